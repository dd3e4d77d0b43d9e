// @ts-check
// The delivery receipts (docs/architecture.md "Receipts"): End User Messaging SMS and Voice's configuration set
// (with the stage's protect configuration) and SES's configuration set each publish their delivery events to
// one SNS topic, encrypted under a key of its own, which only those two services may publish to, for this
// account's configuration sets; the topic invokes recordReceipt (infra/functions.cjs), whose failed events
// Lambda retries and then describes in an on-failure queue that an alarm watches.
'use strict';

const { arn, getAtt, ref, upperFirst } = require('./cfn.cjs');
const { sesReceiptEvents, smsVoiceReceiptEvents, topicOperations } = require('./operations.cjs');

if (topicOperations.length !== 1) throw new Error('infra/receipts.cjs: the receipts topic has exactly one subscriber');
/** The function the topic invokes, and the logical ids of the resources below. */
const RECEIPTS_FUNCTION = topicOperations[0].name;
const RECEIPTS_TOPIC = 'DeliveryReceiptsTopic';
const RECEIPTS_KEY = 'DeliveryReceiptsKey';
const RECEIPTS_DLQ = `${upperFirst(RECEIPTS_FUNCTION)}DLQ`;
const SMS_VOICE_CONFIGURATION_SET = 'SmsVoiceConfigurationSet';
const SMS_PROTECT_CONFIGURATION = 'SmsProtectConfiguration';
const SES_CONFIGURATION_SET = 'SesConfigurationSet';
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
const PROVIDERS = ['sms-voice.amazonaws.com', 'ses.amazonaws.com'];
const PROTECT_STATUSES = ['ALLOW', 'BLOCK', 'MONITOR', 'FILTER'];

/** The topic's name in a stage. */
const receiptsTopicName = (stage) => `verigate-${stage}-delivery-receipts`;

/** The configuration sets' ARNs, which the topic policy names as the only sources of what is published. */
const smsVoiceConfigurationSetArn = (name) => arn('sms-voice', 'configuration-set/', name);
const sesConfigurationSetArn = (name) => arn('ses', 'configuration-set/', name);

/**
 * The protect configuration's country rules (`protectCountryRules`, e.g. `RU=BLOCK,NG=BLOCK`), the same for
 * SMS and voice; every country without a rule is allowed (AWS's default), and send's own allow-list comes first.
 * @param {string} value
 */
function countryRules(value) {
  const rules = [];
  for (const entry of value
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [country = '', status = ''] = entry.split('=').map((p) => p.trim().toUpperCase());
    if (!/^[A-Z]{2}$/.test(country) || !PROTECT_STATUSES.includes(status))
      throw new Error(`infra/receipts.cjs: param protectCountryRules: "${entry}" is not <CC>=${PROTECT_STATUSES.join('|')}`);
    rules.push({ CountryCode: country, ProtectStatus: status });
  }
  return rules;
}

/**
 * The names of the two configuration sets, from the stage parameters deliverCode's settings come from too.
 * @param {(variable: string) => Promise<unknown>} resolveVariable
 */
async function configurationSetNames(resolveVariable) {
  const smsVoice = String(await resolveVariable('param:smsVoiceConfigurationSet'));
  const ses = String(await resolveVariable('param:sesConfigurationSet'));
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(smsVoice))
    throw new Error('infra/receipts.cjs: param smsVoiceConfigurationSet must be a name (letters, digits, _ and -)');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(ses))
    throw new Error('infra/receipts.cjs: param sesConfigurationSet must be a name (letters, digits, _ and -)');
  return { smsVoice, ses };
}

/** recordReceipt's trigger: the receipts topic. */
const receiptsEvent = (stage) => ({ sns: { arn: ref(RECEIPTS_TOPIC), topicName: receiptsTopicName(stage) } });
/** Where Lambda describes a receipt it could not record after its retries. */
const receiptsOnFailure = () => ({ onFailure: { type: 'sqs', arn: getAtt(RECEIPTS_DLQ, 'Arn') } });

async function receiptResources({ resolveVariable }) {
  const stage = String(await resolveVariable('sls:stage'));
  const names = await configurationSetNames(resolveVariable);
  const rules = countryRules(String((await resolveVariable("param:protectCountryRules, ''")) ?? ''));
  const account = ref('AWS::AccountId');
  const sources = [smsVoiceConfigurationSetArn(names.smsVoice), sesConfigurationSetArn(names.ses)];
  return {
    Resources: {
      // Receipts name phone numbers and addresses: the topic keeps them encrypted, under a key only this
      // account administers and only the two providers (publishing for this account) may encrypt with.
      [RECEIPTS_KEY]: {
        Type: 'AWS::KMS::Key',
        Properties: {
          Description: `verigate ${stage}: the delivery receipts topic`,
          EnableKeyRotation: true,
          KeyPolicy: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'AccountAdministersTheKey',
                Effect: 'Allow',
                Principal: { AWS: { 'Fn::Join': ['', ['arn:', ref('AWS::Partition'), ':iam::', account, ':root']] } },
                Action: 'kms:*',
                Resource: '*',
              },
              {
                Sid: 'ProvidersPublishEncryptedReceipts',
                Effect: 'Allow',
                Principal: { Service: PROVIDERS },
                Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
                Resource: '*',
                Condition: { StringEquals: { 'aws:SourceAccount': account } },
              },
            ],
          },
        },
      },
      [RECEIPTS_TOPIC]: {
        Type: 'AWS::SNS::Topic',
        Properties: {
          TopicName: receiptsTopicName(stage),
          DisplayName: `verigate ${stage} delivery receipts`,
          KmsMasterKeyId: ref(RECEIPTS_KEY),
        },
      },
      // Only End User Messaging and SES may publish, and only for this stage's configuration sets.
      DeliveryReceiptsTopicPolicy: {
        Type: 'AWS::SNS::TopicPolicy',
        Properties: {
          Topics: [ref(RECEIPTS_TOPIC)],
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'ProvidersPublishReceipts',
                Effect: 'Allow',
                Principal: { Service: PROVIDERS },
                Action: 'sns:Publish',
                Resource: ref(RECEIPTS_TOPIC),
                Condition: { StringEquals: { 'aws:SourceAccount': account }, ArnLike: { 'aws:SourceArn': sources } },
              },
            ],
          },
        },
      },
      [SMS_PROTECT_CONFIGURATION]: {
        Type: 'AWS::SMSVOICE::ProtectConfiguration',
        Properties: {
          ...(rules.length ? { CountryRuleSet: { SMS: rules, VOICE: rules } } : {}),
          Tags: [{ Key: 'Name', Value: `verigate-${stage}` }],
        },
      },
      [SMS_VOICE_CONFIGURATION_SET]: {
        Type: 'AWS::SMSVOICE::ConfigurationSet',
        DependsOn: ['DeliveryReceiptsTopicPolicy'],
        Properties: {
          ConfigurationSetName: names.smsVoice,
          ProtectConfigurationId: getAtt(SMS_PROTECT_CONFIGURATION, 'ProtectConfigurationId'),
          MessageFeedbackEnabled: true,
          EventDestinations: [
            {
              EventDestinationName: 'receipts',
              Enabled: true,
              MatchingEventTypes: [...smsVoiceReceiptEvents],
              SnsDestination: { TopicArn: ref(RECEIPTS_TOPIC) },
            },
          ],
        },
      },
      [SES_CONFIGURATION_SET]: {
        Type: 'AWS::SES::ConfigurationSet',
        Properties: { Name: names.ses, ReputationOptions: { ReputationMetricsEnabled: true } },
      },
      SesReceiptsEventDestination: {
        Type: 'AWS::SES::ConfigurationSetEventDestination',
        DependsOn: ['DeliveryReceiptsTopicPolicy'],
        Properties: {
          ConfigurationSetName: ref(SES_CONFIGURATION_SET),
          EventDestination: {
            Name: 'receipts',
            Enabled: true,
            MatchingEventTypes: [...sesReceiptEvents],
            SnsDestination: { TopicARN: ref(RECEIPTS_TOPIC) },
          },
        },
      },
      [RECEIPTS_DLQ]: {
        Type: 'AWS::SQS::Queue',
        // A receipt not recorded is a delivery an operator settles by hand: a stack deletion keeps it.
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { MessageRetentionPeriod: DLQ_RETENTION_SECONDS, SqsManagedSseEnabled: true },
      },
    },
  };
}

module.exports = receiptResources;
module.exports.RECEIPTS_FUNCTION = RECEIPTS_FUNCTION;
module.exports.RECEIPTS_DLQ = RECEIPTS_DLQ;
module.exports.RECEIPTS_TOPIC = RECEIPTS_TOPIC;
module.exports.SMS_PROTECT_CONFIGURATION = SMS_PROTECT_CONFIGURATION;
module.exports.receiptsEvent = receiptsEvent;
module.exports.receiptsOnFailure = receiptsOnFailure;
module.exports.configurationSetNames = configurationSetNames;
module.exports.smsVoiceConfigurationSetArn = smsVoiceConfigurationSetArn;
module.exports.sesConfigurationSetArn = sesConfigurationSetArn;
