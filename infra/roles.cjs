// @ts-check
// One IAM role per function, granting only what its code calls: the DynamoDB item actions and the secrets
// its operation declares (shared/operations.ts), its own queue or the table's stream, and for the code's
// delivery, SMS and email. Each function names its role (infra/functions.cjs); a function serverless.yml
// has that no operation declares fails the build.
'use strict';

const { arn, getAtt, logGroupLogicalId, ref, upperFirst } = require('./cfn.cjs');
const { CUSTOMER_EVENT_QUEUES, queueIds } = require('./events.cjs');
const { DELIVERY_DLQ, DELIVERY_FUNCTION } = require('./delivery.cjs');
const { keyPrefix, operations, parameterName, roleLogicalId } = require('./operations.cjs');

/**
 * The declared DynamoDB item actions, each limited to the items (by partition-key prefix, from
 * shared/store/keys.ts) it touches. TransactWriteItems needs no action of its own: each Put/Update/Delete/
 * ConditionCheck in it is authorized as PutItem/UpdateItem/DeleteItem/ConditionCheckItem on its item.
 */
function dynamoStatements(dynamodb) {
  return Object.entries(dynamodb).map(([action, kinds]) => ({
    Sid: `${action}On${kinds.map(upperFirst).join('')}`,
    Effect: 'Allow',
    Action: `dynamodb:${action}`,
    Resource: getAtt('VerigateTable', 'Arn'),
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': kinds.map((kind) => `${keyPrefix(kind)}*`) } },
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

/**
 * The SecureString parameters (under /verigate/<stage>/) the function reads at cold start: its own only.
 * Partner AK/SK pairs live in the table, sealed under partner-key-encryption-key (shared/store/partner-keys.ts).
 * Parameters encrypted with the AWS managed key aws/ssm need no KMS grant; a customer managed key needs
 * kms:Decrypt here (docs/operations.md "Secrets").
 */
function secretStatements(secrets, stage) {
  if (!secrets.length) return [];
  return [
    {
      Sid: 'OwnSecrets',
      Effect: 'Allow',
      Action: ['ssm:GetParameters'],
      Resource: secrets.map((name) => arn('ssm', `parameter${parameterName(`/verigate/${stage}`, name)}`)),
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
  const undeclared = functions.filter((fn) => !operations.some((o) => o.name === fn));
  if (undeclared.length) throw new Error(`infra/roles.cjs: no operation in shared/operations.ts for ${undeclared.join(', ')}`);

  const Resources = {};
  for (const { name: fn, dynamodb, secrets, deliversCodes } of operations) {
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
                ...dynamoStatements(dynamodb),
                ...secretStatements(secrets, stage),
                ...(deliversCodes ? deliveryStatements(sesIdentityArn) : []),
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
