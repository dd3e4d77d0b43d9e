// @ts-check
// One IAM role per function, granting only what its code calls. Each function names its role in
// serverless.yml (`role: <Function>Role`); a function without an entry in ACCESS fails the build.
'use strict';

const { arn, getAtt, logGroupLogicalId, ref, upperFirst } = require('./cfn.cjs');
const { CUSTOMER_EVENT_QUEUES, queueIds } = require('./events.cjs');
const { DELIVERY_DLQ, DELIVERY_FUNCTION } = require('./delivery.cjs');

/** Partition-key prefixes of the single table (shared/store/keys.ts; the template test checks them). */
const KEY_PREFIXES = {
  name: 'NAME#',
  email: 'EMAIL#',
  mobile: 'MOBILE#',
  customer: 'CUSTOMER#',
  destination: 'DEST#',
  sourceIp: 'IP#',
  captcha: 'CAPTCHA#',
  accessKeySource: 'AKSRC#',
  partnerKey: 'PARTNER#',
  partnerRate: 'RATE#',
  smsBudget: 'SMSBUDGET#',
  requester: 'REQ#',
  delivery: 'DELIVERY#',
  audit: 'AUDIT#',
};

/**
 * DynamoDB item actions per function, each limited to the items (by partition-key prefix) it touches; the same
 * table as test/support/dynamodb-calls.ts, which the tests hold both this and the code's real calls to.
 * TransactWriteItems needs no action of its own: each Put/Update/Delete in it is authorized as
 * PutItem/UpdateItem/DeleteItem on its item. No function queries the table or its index.
 */
const ACCESS = {
  checkIdentity: {
    // registry.usage; lockouts.state; partnerKeys.secretOf
    'dynamodb:GetItem': ['name', 'email', 'mobile', 'accessKeySource', 'partnerKey'],
    // audit.write
    'dynamodb:PutItem': ['audit'],
    // lockouts.recordFailure / clearFailures; partnerRate.admit (CBC.0250)
    'dynamodb:UpdateItem': ['accessKeySource', 'partnerRate'],
  },
  sendVerificationCode: {
    // registry.contactsOfAccount
    'dynamodb:GetItem': ['name'],
    // audit.write; codes.issue transaction: CAPTCHA use, audit record, delivery request (the outbox)
    'dynamodb:PutItem': ['audit', 'captcha', 'delivery'],
    // codes.issue transaction: destination, IP window, SMS budget; codes.undo (also voids the CAPTCHA pass, withdraws the delivery request)
    'dynamodb:UpdateItem': ['destination', 'sourceIp', 'captcha', 'smsBudget', 'delivery'],
    // codes.issue of a withheld send: room in the country's SMS budget, nothing spent
    'dynamodb:ConditionCheckItem': ['smsBudget'],
    // codes.undo: the 200 record of a send that committed after it was answered 500
    'dynamodb:DeleteItem': ['audit'],
  },
  verifyVerificationCode: {
    // audit.write; codes.attempt and codes.recordWrong transactions: audit record
    'dynamodb:PutItem': ['audit'],
    // codes.attempt; codes.recordWrong transaction: destination (its audit record never needs amending), the requester's failures
    'dynamodb:UpdateItem': ['destination', 'requester'],
    // codes.attempt: the requester has failure budget left
    'dynamodb:ConditionCheckItem': ['requester'],
  },
  registerCustomer: {
    // audit.write; registry.register transaction: customer, name and email claims
    'dynamodb:PutItem': ['audit', 'customer', 'name', 'email'],
    // registry.register transaction: mobile slot
    'dynamodb:UpdateItem': ['mobile'],
  },
  deliverCode: {
    // deliveries.claim; deliveries.settle transaction; codes.undo of a refunded send: destination, IP window, CAPTCHA pass
    'dynamodb:UpdateItem': ['delivery', 'destination', 'sourceIp', 'captcha'],
    // deliveries.settle transaction: the delivery's audit record
    'dynamodb:PutItem': ['audit'],
  },
  deregisterCustomer: {
    // registry.deregister reads what the customer claimed
    'dynamodb:GetItem': ['customer'],
    // audit.write
    'dynamodb:PutItem': ['audit'],
    // registry.deregister transaction: customer, name and email claims
    'dynamodb:DeleteItem': ['customer', 'name', 'email'],
    // registry.deregister transaction: mobile slot
    'dynamodb:UpdateItem': ['mobile'],
  },
};

/**
 * SSM SecureString parameters (under /verigate/<stage>/) each function reads at cold start: only its own.
 * (shared/runtime.ts FUNCTION_SECRETS, names in shared/secrets/catalog.ts). Partner AK/SK pairs live in the
 * table, sealed under partner-key-encryption-key (shared/store/partner-keys.ts). Parameters encrypted with the AWS
 * managed key aws/ssm need no KMS grant; a customer managed key needs kms:Decrypt here (docs/operations.md "Secrets").
 */
const SECRETS = {
  checkIdentity: ['partner-jwt-secret', 'identity-pepper', 'partner-key-encryption-key'],
  sendVerificationCode: ['captcha-secret', 'code-pepper', 'identity-pepper', 'outbox-key'],
  verifyVerificationCode: ['app-jwt-secret', 'code-pepper', 'identity-pepper'],
  registerCustomer: ['identity-pepper'],
  deregisterCustomer: ['identity-pepper'],
  deliverCode: ['outbox-key'],
};

/** Functions that deliver codes: SMS through SNS, email through SES. */
const DELIVERS_CODES = new Set([DELIVERY_FUNCTION]);

const roleLogicalId = (fn) => `${upperFirst(fn)}Role`;

function dynamoStatements(fn, access) {
  return Object.entries(access).map(([action, kinds]) => ({
    Sid: `${action.split(':')[1]}On${kinds.map(upperFirst).join('')}`,
    Effect: 'Allow',
    Action: action,
    Resource: getAtt('VerigateTable', 'Arn'),
    Condition: {
      'ForAllValues:StringLike': {
        'dynamodb:LeadingKeys': kinds.map((kind) => {
          const prefix = KEY_PREFIXES[kind];
          if (!prefix) throw new Error(`infra/roles.cjs: ${fn} names an unknown key kind "${kind}"`);
          return `${prefix}*`;
        }),
      },
    },
  }));
}

function deliveryStatements(sesIdentityArn) {
  return [
    // A Publish to a phone number has no resource ARN, so only Resource "*" authorizes it; the Deny
    // keeps every SNS ARN (topics, platform endpoints) out of reach, leaving only direct SMS.
    { Sid: 'SmsToPhoneNumbers', Effect: 'Allow', Action: 'sns:Publish', Resource: '*' },
    {
      Sid: 'NoPublishToTopicsOrEndpoints',
      Effect: 'Deny',
      Action: 'sns:Publish',
      Resource: { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), ':sns:*:*:*']] },
    },
    { Sid: 'EmailFromTheSenderIdentity', Effect: 'Allow', Action: 'ses:SendEmail', Resource: { 'Fn::Sub': sesIdentityArn } },
  ];
}

function logStatement(fn) {
  const group = ref(logGroupLogicalId(fn));
  return {
    Sid: 'OwnLogGroup',
    Effect: 'Allow',
    Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    Resource: [arn('logs', 'log-group:', group, ':*'), arn('logs', 'log-group:', group, ':*:*')],
  };
}

function secretStatements(fn, stage) {
  const names = SECRETS[fn] ?? [];
  if (!names.length) return [];
  return [
    {
      Sid: 'OwnSecrets',
      Effect: 'Allow',
      Action: ['ssm:GetParameters'],
      Resource: names.map((name) => arn('ssm', `parameter/verigate/${stage}/${name}`)),
    },
  ];
}

function queueStatement(fn) {
  const queue = CUSTOMER_EVENT_QUEUES.find((q) => q.fn === fn);
  if (!queue) return [];
  return [
    {
      Sid: 'OwnQueue',
      Effect: 'Allow',
      Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'],
      Resource: getAtt(queueIds(fn).queue, 'Arn'),
    },
  ];
}

/**
 * The table's stream, read by Lambda's event source mapping under the function's role (osls adds these
 * to its default role only), and the on-failure queue Lambda describes failed batches in.
 */
function streamStatements(fn) {
  if (fn !== DELIVERY_FUNCTION) return [];
  return [
    {
      Sid: 'ReadTheTableStream',
      Effect: 'Allow',
      Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
      Resource: getAtt('VerigateTable', 'StreamArn'),
    },
    {
      Sid: 'ListTheTableStreams',
      Effect: 'Allow',
      Action: 'dynamodb:ListStreams',
      Resource: { 'Fn::Join': ['', [getAtt('VerigateTable', 'Arn'), '/stream/*']] },
    },
    { Sid: 'OnFailureQueue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(DELIVERY_DLQ, 'Arn') },
  ];
}

async function roleResources({ resolveConfigurationProperty, resolveVariable }) {
  const functions = Object.keys((await resolveConfigurationProperty(['functions'])) ?? {});
  const sesIdentityArn = await resolveVariable('param:sesIdentityArn');
  const stage = await resolveVariable('sls:stage');
  const missing = functions.filter((fn) => !(fn in ACCESS));
  if (missing.length) throw new Error(`infra/roles.cjs: no access entry for ${missing.join(', ')}`);

  const Resources = {};
  for (const fn of functions) {
    Resources[roleLogicalId(fn)] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `verigate ${stage} ${fn}: only the calls its code makes`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: `verigate-${stage}-${fn}`,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                logStatement(fn),
                ...dynamoStatements(fn, ACCESS[fn]),
                ...secretStatements(fn, stage),
                ...(DELIVERS_CODES.has(fn) ? deliveryStatements(sesIdentityArn) : []),
                ...queueStatement(fn),
                ...streamStatements(fn),
              ],
            },
          },
        ],
      },
    };
  }
  return { Resources };
}

module.exports = roleResources;
