// @ts-check
// One IAM role per function, granting only what its code calls: the DynamoDB item actions and the secrets
// its operation declares (shared/operations.ts), its own queue, the table's stream or its on-failure queue,
// and for the code's delivery, SMS, voice and email through the stage's own resources. Each function names
// its role (infra/functions.cjs); a function serverless.yml has that no operation declares fails the build.
'use strict';

const { arn, getAtt, logGroupLogicalId, ref, upperFirst } = require('./cfn.cjs');
const { CUSTOMER_EVENT_QUEUES, queueIds } = require('./events.cjs');
const { lifecycleBus } = require('./lifecycle.cjs');
const { STREAM_CONSUMERS } = require('./streams.cjs');
const { keyPrefix, identityArn, operations, parameterName, parseOriginationIdentities, roleLogicalId } = require('./operations.cjs');
const {
  configurationSetNames,
  RECEIPTS_DLQ,
  RECEIPTS_FUNCTION,
  SMS_PROTECT_CONFIGURATION,
  sesConfigurationSetArn,
  smsVoiceConfigurationSetArn,
} = require('./receipts.cjs');

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

/**
 * The ARNs of the origination identities a stage parameter names (shared/notify/origination.ts), per country.
 * @param {string} param @param {unknown} value
 */
function identityArns(param, value) {
  const problems = [];
  const identities = parseOriginationIdentities(param, value === null || value === undefined ? undefined : String(value), problems);
  if (problems.length) throw new Error(`infra/roles.cjs: param ${param}: ${problems.join('; ')}`);
  return [...identities].map(([country, identity]) => ({ 'Fn::Sub': identityArn(identity, country) }));
}

/**
 * Sending codes, and only through the stage's own resources: SendTextMessage and SendVoiceMessage name the
 * configuration set (whose event destination sends the receipts), the protect configuration (the stack's,
 * and the one a stage names instead), and the origination identities the stage gives per channel; a send
 * from an identity is also checked against the identity's opt-out list. SendEmail names the SES sender
 * identity and the configuration set.
 */
async function deliveryStatements(resolveVariable) {
  const names = await configurationSetNames(resolveVariable);
  const sesIdentityArn = await resolveVariable('param:sesIdentityArn');
  const givenProtect = await resolveVariable('param:smsProtectConfigurationId, null');
  const shared = [
    smsVoiceConfigurationSetArn(names.smsVoice),
    getAtt(SMS_PROTECT_CONFIGURATION, 'Arn'),
    ...(givenProtect ? [arn('sms-voice', 'protect-configuration/', String(givenProtect))] : []),
    arn('sms-voice', 'opt-out-list/*'),
  ];
  return [
    {
      Sid: 'SmsThroughTheStageConfigurationSet',
      Effect: 'Allow',
      Action: 'sms-voice:SendTextMessage',
      Resource: [...shared, ...identityArns('smsOriginationIdentities', await resolveVariable('param:smsOriginationIdentities, null'))],
    },
    {
      Sid: 'VoiceThroughTheStageConfigurationSet',
      Effect: 'Allow',
      Action: 'sms-voice:SendVoiceMessage',
      Resource: [...shared, ...identityArns('voiceOriginationIdentities', await resolveVariable('param:voiceOriginationIdentities, null'))],
    },
    {
      Sid: 'EmailFromTheSenderIdentity',
      Effect: 'Allow',
      Action: 'ses:SendEmail',
      Resource: [{ 'Fn::Sub': sesIdentityArn }, sesConfigurationSetArn(names.ses)],
    },
  ];
}

/**
 * Telling what happened, and only to the stage's own: PutEvents on the lifecycle events' bus (the stack's or
 * the one the stage names), and PutMessageFeedback. The service authorization reference gives
 * PutMessageFeedback one resource type, message (`arn:…:sms-voice:<region>:<account>:message/<MessageId>`),
 * and no condition key: a message's id is known only once it is sent, so the grant is this account's and
 * region's messages, `message/*`, the narrowest it can be.
 */
async function lifecycleStatements(resolveVariable) {
  const bus = await lifecycleBus(resolveVariable);
  return [
    { Sid: 'LifecycleEventsOnTheStageBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: bus.arn },
    {
      Sid: 'FeedbackOnTheAccountMessages',
      Effect: 'Allow',
      Action: 'sms-voice:PutMessageFeedback',
      Resource: arn('sms-voice', 'message/*'),
    },
  ];
}

/** A function invoked by the receipts topic: the on-failure queue Lambda describes its failed events in. */
function receiptsStatements(fn) {
  if (fn !== RECEIPTS_FUNCTION) return [];
  return [{ Sid: 'OnFailureQueue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(RECEIPTS_DLQ, 'Arn') }];
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
 * to its default role only), and the function's own on-failure queue Lambda describes failed batches in.
 */
function streamStatements(fn) {
  const consumer = STREAM_CONSUMERS.find((c) => c.fn === fn);
  if (!consumer) return [];
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
    { Sid: 'OnFailureQueue', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: getAtt(consumer.dlq, 'Arn') },
  ];
}

async function roleResources({ resolveConfigurationProperty, resolveVariable }) {
  const functions = Object.keys((await resolveConfigurationProperty(['functions'])) ?? {});
  const stage = await resolveVariable('sls:stage');
  const delivery = await deliveryStatements(resolveVariable);
  const lifecycle = await lifecycleStatements(resolveVariable);
  const undeclared = functions.filter((fn) => !operations.some((o) => o.name === fn));
  if (undeclared.length) throw new Error(`infra/roles.cjs: no operation in shared/operations.ts for ${undeclared.join(', ')}`);

  const Resources = {};
  for (const { name: fn, dynamodb, secrets, deliversCodes, publishesLifecycle } of operations) {
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
                ...(deliversCodes ? delivery : []),
                ...(publishesLifecycle ? lifecycle : []),
                ...queueStatement(fn),
                ...streamStatements(fn),
                ...receiptsStatements(fn),
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
