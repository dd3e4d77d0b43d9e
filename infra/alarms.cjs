// @ts-check
// CloudWatch alarms of a stage, each notifying the alarm topic (and again when it clears). What each one
// means and what to do is in docs/operations.md "Alarms".
'use strict';

const { getAtt, lambdaLogicalId, ref, upperFirst } = require('./cfn.cjs');
const { CUSTOMER_EVENT_QUEUES, MAX_RECEIVE_COUNT, queueIds } = require('./events.cjs');
const { DELIVERY_DLQ, DELIVERY_FUNCTION } = require('./delivery.cjs');
const { operations } = require('./operations.cjs');
const { RECEIPTS_DLQ, RECEIPTS_FUNCTION } = require('./receipts.cjs');
const { webAclRules } = require('./waf.cjs');
const table = require('./table.json');

/** The service's own EMF metrics (shared/observability.ts): namespace and the one dimension Powertools adds. */
const SERVICE_NAMESPACE = 'verigate';
const SERVICE_DIMENSIONS = [{ Name: 'service', Value: 'verigate' }];
const FIVE_MINUTES = 300;
const ONE_MINUTE = 60;
/** A function's concurrency alarms at this share of its reservation, before Lambda throttles it. */
const NEAR_RESERVATION = 0.8;

/**
 * The DynamoDB API operations the functions call (CloudWatch's Operation dimension): the item actions they
 * declare (shared/operations.ts), a ConditionCheckItem being part of a TransactWriteItems, which every
 * writer uses.
 */
const dynamodbOperations = () =>
  [
    ...new Set([
      ...operations.flatMap((o) => Object.keys(o.dynamodb)).filter((action) => action !== 'ConditionCheckItem'),
      'TransactWriteItems',
    ]),
  ].sort();

/**
 * @param {{ name: string, description: string, namespace: string, metric: string, dimensions: unknown[],
 *   statistic?: string, period?: number, threshold: number, treatMissingData?: string }} a
 * @param {unknown} topic
 */
function alarm(a, topic) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: a.name,
      AlarmDescription: a.description,
      Namespace: a.namespace,
      MetricName: a.metric,
      Dimensions: a.dimensions,
      Statistic: a.statistic ?? 'Sum',
      Period: a.period ?? FIVE_MINUTES,
      EvaluationPeriods: 1,
      Threshold: a.threshold,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      // No data means nothing happened (no errors, no messages): not an alarm.
      TreatMissingData: a.treatMissingData ?? 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
    },
  };
}

const number = async (resolveVariable, name) => {
  const value = Number(await resolveVariable(`param:${name}`));
  if (!Number.isFinite(value) || value <= 0) throw new Error(`infra/alarms.cjs: param ${name} must be a positive number`);
  return value;
};

async function alarmResources({ resolveConfigurationProperty, resolveVariable }) {
  const stage = await resolveVariable('sls:stage');
  const definitions = (await resolveConfigurationProperty(['functions'])) ?? {};
  const functions = Object.keys(definitions);
  const givenTopic = String((await resolveVariable('param:alarmTopicArn')) ?? '').trim();
  const threshold = (name) => number(resolveVariable, name);
  const prefix = `verigate-${stage}`;

  const Resources = {};
  // Without a topic of the operator's, the stack makes one (subscribe on-call to output AlarmTopicArn).
  let topic;
  if (givenTopic) {
    topic = { 'Fn::Sub': givenTopic };
  } else {
    Resources.AlarmTopic = { Type: 'AWS::SNS::Topic', Properties: { TopicName: `${prefix}-alarms`, DisplayName: `${prefix} alarms` } };
    topic = ref('AlarmTopic');
  }
  const add = (id, a) => (Resources[id] = alarm(a, topic));

  for (const fn of functions) {
    const dimensions = [{ Name: 'FunctionName', Value: ref(lambdaLogicalId(fn)) }];
    add(`${upperFirst(fn)}ErrorsAlarm`, {
      name: `${prefix}-${fn}-errors`,
      description: `${fn} failed an invocation (crash, timeout or an error it did not answer): its log group has the cause.`,
      namespace: 'AWS/Lambda',
      metric: 'Errors',
      dimensions,
      threshold: 1,
    });
    add(`${upperFirst(fn)}ThrottlesAlarm`, {
      name: `${prefix}-${fn}-throttles`,
      description: `${fn} was throttled by Lambda (reserved or account concurrency exhausted).`,
      namespace: 'AWS/Lambda',
      metric: 'Throttles',
      dimensions,
      threshold: 1,
    });
    const reserved = Number(definitions[fn]?.reservedConcurrency);
    if (reserved > 0)
      add(`${upperFirst(fn)}ConcurrencyAlarm`, {
        name: `${prefix}-${fn}-concurrency`,
        description: `${fn} ran at ${NEAR_RESERVATION * 100} % or more of its reserved concurrency (${reserved}) in a minute: past it, Lambda throttles the route.`,
        namespace: 'AWS/Lambda',
        metric: 'ConcurrentExecutions',
        dimensions,
        statistic: 'Maximum',
        period: ONE_MINUTE,
        threshold: Math.ceil(reserved * NEAR_RESERVATION),
      });
  }

  add('DeliverCodeIteratorAgeAlarm', {
    name: `${prefix}-${DELIVERY_FUNCTION}-iterator-age`,
    description: `${DELIVERY_FUNCTION} reads the table's stream late: the oldest delivery request it took in a minute waited this long (ms), so codes arrive that much after send answered.`,
    namespace: 'AWS/Lambda',
    metric: 'IteratorAge',
    dimensions: [{ Name: 'FunctionName', Value: ref(lambdaLogicalId(DELIVERY_FUNCTION)) }],
    statistic: 'Maximum',
    period: ONE_MINUTE,
    threshold: await threshold('deliveryIteratorAgeMsThreshold'),
  });

  const tableName = { Name: 'TableName', Value: ref('VerigateTable') };
  for (const operation of dynamodbOperations()) {
    const dimensions = [tableName, { Name: 'Operation', Value: operation }];
    add(`DynamoDb${operation}ThrottledAlarm`, {
      name: `${prefix}-dynamodb-${operation}-throttled`,
      description: `DynamoDB throttled ${operation} requests of the table (a hot key, or the table's maximum throughput reached): callers got 503 once the SDK's retries ran out.`,
      namespace: 'AWS/DynamoDB',
      metric: 'ThrottledRequests',
      dimensions,
      threshold: await threshold('dynamodbThrottledThreshold'),
    });
    add(`DynamoDb${operation}SystemErrorsAlarm`, {
      name: `${prefix}-dynamodb-${operation}-system-errors`,
      description: `DynamoDB answered ${operation} requests with a server error (HTTP 500): an AWS-side fault; the SDK retried, callers may have got 503.`,
      namespace: 'AWS/DynamoDB',
      metric: 'SystemErrors',
      dimensions,
      threshold: await threshold('dynamodbSystemErrorsThreshold'),
    });
  }
  add('DynamoDbTransactionConflictAlarm', {
    name: `${prefix}-dynamodb-transaction-conflicts`,
    description: 'Transactions of the table were cancelled because another request wrote one of their items at the same time (TransactionConflict): concurrent requests on one destination or caller; what outlasts the retries is a 503.',
    namespace: 'AWS/DynamoDB',
    metric: 'TransactionConflict',
    dimensions: [tableName],
    threshold: await threshold('transactionConflictsThreshold'),
  });
  const indexes = table.GlobalSecondaryIndexes.map((i) => i.IndexName);
  for (const [metric, what] of [
    ['ReadThrottleEvents', 'reads'],
    ['WriteThrottleEvents', 'writes'],
  ])
    for (const index of [undefined, ...indexes]) {
      const on = index ? `index ${index}` : 'table';
      add(`DynamoDb${metric}${index ? upperFirst(index) : ''}Alarm`, {
        name: `${prefix}-dynamodb-${index ? `${index}-` : ''}${metric.replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase())}`,
        description: `DynamoDB throttled ${what} of the ${on} (a partition over its 1,000 write / 3,000 read units a second, or the maximum throughput): they were retried or answered 503.`,
        namespace: 'AWS/DynamoDB',
        metric,
        dimensions: index ? [tableName, { Name: 'GlobalSecondaryIndexName', Value: index }] : [tableName],
        threshold: await threshold('dynamodbThrottledThreshold'),
      });
    }

  // The web ACL's blocking rules, one alarm each: a surge of one kind of refusal at the edge.
  for (const { rule, blocks } of await webAclRules(stage, resolveVariable)) {
    if (!blocks) continue;
    add(`WafBlocked${rule.Name.split('-').map(upperFirst).join('')}Alarm`, {
      name: `${prefix}-waf-${rule.Name}-blocked`,
      description: `The web ACL's rule ${rule.Name} blocked a surge of requests (answered ${rule.Action.Block.CustomResponse.ResponseCode} at the edge, no function invoked).`,
      namespace: 'AWS/WAFV2',
      metric: 'BlockedRequests',
      dimensions: [
        { Name: 'WebACL', Value: `verigate-${stage}` },
        { Name: 'Region', Value: ref('AWS::Region') },
        { Name: 'Rule', Value: rule.VisibilityConfig.MetricName },
      ],
      threshold: await threshold('wafBlockedThreshold'),
    });
  }

  add('Api5xxAlarm', {
    name: `${prefix}-api-5xx`,
    description: 'The REST API stage answered 5xx (a 500 or 503 of the family, a Lambda timeout or throttle, an integration failure).',
    namespace: 'AWS/ApiGateway',
    metric: '5XXError',
    dimensions: [
      { Name: 'ApiName', Value: `verigate-${stage}` },
      { Name: 'Stage', Value: stage },
    ],
    threshold: await threshold('api5xxThreshold'),
  });

  for (const { fn } of CUSTOMER_EVENT_QUEUES) {
    const ids = queueIds(fn);
    add(`${upperFirst(fn)}DlqDepthAlarm`, {
      name: `${prefix}-${fn}-dlq-depth`,
      description: `Customer events for ${fn} are in its DLQ (failed ${MAX_RECEIVE_COUNT} deliveries, or EventBridge could not queue them).`,
      namespace: 'AWS/SQS',
      metric: 'ApproximateNumberOfMessagesVisible',
      dimensions: [{ Name: 'QueueName', Value: getAtt(ids.dlq, 'QueueName') }],
      statistic: 'Maximum',
      threshold: 1,
    });
    add(`${upperFirst(fn)}RuleFailedInvocationsAlarm`, {
      name: `${prefix}-${fn}-rule-failed-invocations`,
      description: `EventBridge could not put customer events on the ${fn} queue (they go to its DLQ).`,
      namespace: 'AWS/Events',
      metric: 'FailedInvocations',
      dimensions: [{ Name: 'RuleName', Value: ref(ids.rule) }],
      threshold: 1,
    });
    add(`${upperFirst(fn)}RuleDlqFailuresAlarm`, {
      name: `${prefix}-${fn}-rule-dlq-failures`,
      description: `EventBridge could neither queue customer events for ${fn} nor put them in its DLQ: they are lost.`,
      namespace: 'AWS/Events',
      metric: 'InvocationsFailedToBeSentToDlq',
      dimensions: [{ Name: 'RuleName', Value: ref(ids.rule) }],
      threshold: 1,
    });
  }

  add('DeliverCodeDlqDepthAlarm', {
    name: `${prefix}-deliverCode-dlq-depth`,
    description:
      'deliverCode gave up on a batch of delivery requests after the stream retries: those sends were neither delivered nor refunded. The message names the shard and sequence numbers to replay (docs/architecture.md "Delivery").',
    namespace: 'AWS/SQS',
    metric: 'ApproximateNumberOfMessagesVisible',
    dimensions: [{ Name: 'QueueName', Value: getAtt(DELIVERY_DLQ, 'QueueName') }],
    statistic: 'Maximum',
    threshold: 1,
  });

  add(`${upperFirst(RECEIPTS_FUNCTION)}DlqDepthAlarm`, {
    name: `${prefix}-${RECEIPTS_FUNCTION}-dlq-depth`,
    description:
      'recordReceipt could not record delivery receipts through its retries: the message is the receipt (docs/operations.md "Receipts"). Those deliveries keep their last state; a failure among them was not refunded, a bounce or complaint not suppressed.',
    namespace: 'AWS/SQS',
    metric: 'ApproximateNumberOfMessagesVisible',
    dimensions: [{ Name: 'QueueName', Value: getAtt(RECEIPTS_DLQ, 'QueueName') }],
    statistic: 'Maximum',
    threshold: 1,
  });

  const serviceAlarms = [
    ['ServerErrors', 'serverErrorsThreshold', FIVE_MINUTES, 'Requests answered with a 500 of their family (USG.000000500 / CBC.0999).'],
    [
      'DeliveryFailures',
      'deliveryFailuresThreshold',
      FIVE_MINUTES,
      'End User Messaging or SES refused a code delivery, or its answer was lost (deliverCode refunded the send).',
    ],
    [
      'AuthFailures',
      'authFailuresThreshold',
      FIVE_MINUTES,
      'A spike of refused credentials (partner or app tokens, bad or locked AK/SK signatures).',
    ],
    ['Throttled', 'throttledThreshold', FIVE_MINUTES, 'A spike of requests refused by the send, verify or IP limits (429 of the family).'],
    ['CodesSent', 'codesSentPerHourThreshold', 3600, 'More codes sent in an hour than expected: SMS/email spend.'],
  ];
  for (const [metric, param, period, description] of serviceAlarms) {
    add(`${metric}Alarm`, {
      name: `${prefix}-${metric.replace(/[A-Z]/g, (c, i) => (i ? '-' : '') + c.toLowerCase())}`,
      description,
      namespace: SERVICE_NAMESPACE,
      metric,
      dimensions: SERVICE_DIMENSIONS,
      period,
      threshold: await threshold(param),
    });
  }

  add('SmsSpendAlarm', {
    name: `${prefix}-sms-month-to-date-spend`,
    description: 'SMS spend this month (whole account, USD) passed the threshold; SNS stops sending at the account spend limit.',
    namespace: 'AWS/SNS',
    metric: 'SMSMonthToDateSpentUSD',
    dimensions: [],
    statistic: 'Maximum',
    period: 3600,
    threshold: await threshold('smsMonthToDateSpendUsdThreshold'),
    // Published only while SMS is sent: keep the last state rather than clearing it.
    treatMissingData: 'ignore',
  });

  return {
    Resources,
    Outputs: {
      AlarmTopicArn: { Description: 'SNS topic the alarms notify', Value: topic },
    },
  };
}

module.exports = alarmResources;
