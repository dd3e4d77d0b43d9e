// @ts-check
// CloudWatch alarms of a stage, each notifying the alarm topic (and again when it clears). What each one
// means and what to do is in docs/operations.md "Alarms".
'use strict';

const { getAtt, lambdaLogicalId, ref, upperFirst } = require('./cfn.cjs');
const { CUSTOMER_EVENT_QUEUES, MAX_RECEIVE_COUNT, queueIds } = require('./events.cjs');
const { forwardIds, forwardTargets, FORWARD_DLQ } = require('./lifecycle.cjs');
const { allowedCountries, channels, funnelDimensions, operations, serviceNamespace } = require('./operations.cjs');
const { DELIVERY_FUNCTION, STREAM_CONSUMERS } = require('./streams.cjs');
const { RECEIPTS_DLQ, RECEIPTS_FUNCTION } = require('./receipts.cjs');
const { webAclRules } = require('./waf.cjs');
const table = require('./table.json');

/** The service's own EMF metrics (shared/observability.ts): namespace and the one dimension Powertools adds. */
const SERVICE_NAMESPACE = serviceNamespace;
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

/** The hour over which the delivery and conversion rates are judged: receipts and verifies come minutes after a send. */
const FUNNEL_PERIOD = 3600;
/** The channels that reach phone numbers: the ones a country's rates are counted over (an email has no country). */
const PHONE_CHANNELS = Object.keys(channels).filter((c) => channels[c].numbers);

/** A funnel metric of one channel and country, as the code emits it (shared/observability.ts countFunnel). */
const funnelMetric = (metric, channel, country) => ({
  Namespace: SERVICE_NAMESPACE,
  MetricName: metric,
  Dimensions: [
    ...SERVICE_DIMENSIONS,
    { Name: funnelDimensions[0], Value: channel },
    { Name: funnelDimensions[1], Value: country },
  ],
});

/**
 * A rate of one country over its phone channels, as percent: 100 × `numerator` ÷ `denominator`, each summed
 * over the hour. Under `minimum` of the denominator in the hour (or none), the rate is taken as 100: a
 * handful of codes says nothing, and a quiet hour is no alarm.
 * @param {string} country @param {string} numerator @param {string} denominator @param {number} minimum
 */
function countryRate(country, numerator, denominator, minimum) {
  const c = country.toLowerCase();
  const stat = (metric, channel, id) => ({
    Id: id,
    MetricStat: { Metric: funnelMetric(metric, channel, country), Period: FUNNEL_PERIOD, Stat: 'Sum' },
    ReturnData: false,
  });
  const n = PHONE_CHANNELS.map((ch) => stat(numerator, ch, `n_${ch}_${c}`));
  const d = PHONE_CHANNELS.map((ch) => stat(denominator, ch, `d_${ch}_${c}`));
  const sum = (stats) => stats.map((m) => `FILL(${m.Id}, 0)`).join(' + ');
  return [
    ...n,
    ...d,
    { Id: `num_${c}`, Expression: sum(n), ReturnData: false },
    { Id: `den_${c}`, Expression: sum(d), ReturnData: false },
    {
      Id: `rate_${c}`,
      Expression: `IF(den_${c} >= ${minimum}, 100 * num_${c} / den_${c}, 100)`,
      Label: `${country} ${numerator} / ${denominator} (%)`,
      ReturnData: true,
    },
  ];
}

/**
 * The name of a country's falling-rate alarm (scripts/dashboard-picture.ts draws their states too).
 * @param {string} prefix @param {'delivery' | 'conversion'} rate @param {string} country
 */
const funnelAlarmName = (prefix, rate, country) => `${prefix}-${rate}-rate-${country}`;

/**
 * An alarm on a metric math expression (`metrics`, one of which returns data) falling below `threshold`.
 * @param {{ name: string, description: string, metrics: unknown[], threshold: number }} a
 * @param {unknown} topic
 */
function fallingAlarm(a, topic) {
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: a.name,
      AlarmDescription: a.description,
      Metrics: a.metrics,
      EvaluationPeriods: 1,
      Threshold: a.threshold,
      ComparisonOperator: 'LessThanThreshold',
      // The expression gives 100 for an hour under the minimum; no data at all is a quiet hour.
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic],
      OKActions: [topic],
    },
  };
}

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

  // How late each consumer reads the table's stream: the delivery's lag delays every message, the events' every event.
  for (const { fn, stageParams } of STREAM_CONSUMERS)
    add(`${upperFirst(fn)}IteratorAgeAlarm`, {
      name: `${prefix}-${fn}-iterator-age`,
      description:
        fn === DELIVERY_FUNCTION
          ? `${fn} reads the table's stream late: the oldest delivery request it took in a minute waited this long (ms), so codes arrive that much after send answered.`
          : `${fn} reads the table's stream late: the oldest change it took in a minute waited this long (ms), so its lifecycle event reaches the bus that much after the change (and a verified code's feedback End User Messaging that much later).`,
      namespace: 'AWS/Lambda',
      metric: 'IteratorAge',
      dimensions: [{ Name: 'FunctionName', Value: ref(lambdaLogicalId(fn)) }],
      statistic: 'Maximum',
      period: ONE_MINUTE,
      threshold: await threshold(`${stageParams}IteratorAgeMsThreshold`),
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

  for (const { fn, dlq } of STREAM_CONSUMERS)
    add(`${upperFirst(fn)}DlqDepthAlarm`, {
      name: `${prefix}-${fn}-dlq-depth`,
      description:
        fn === DELIVERY_FUNCTION
          ? `${fn} gave up on a batch of delivery requests after the stream retries: those sends were neither delivered nor refunded. The message names the shard and sequence numbers to replay (docs/architecture.md "Delivery").`
          : `${fn} gave up on a batch of the table's changes after the stream retries: their lifecycle events were not published. The message names the shard and sequence numbers to replay within the stream's 24 hours (docs/operations.md "Lifecycle events").`,
      namespace: 'AWS/SQS',
      metric: 'ApproximateNumberOfMessagesVisible',
      dimensions: [{ Name: 'QueueName', Value: getAtt(dlq, 'QueueName') }],
      statistic: 'Maximum',
      threshold: 1,
    });

  // The lifecycle events forwarded to partners' buses (infra/lifecycle.cjs): failed deliveries and their DLQ.
  const targets = await forwardTargets(resolveVariable);
  targets.forEach((target, i) => {
    const rule = forwardIds(i).rule;
    add(`${rule}FailedInvocationsAlarm`, {
      name: `${prefix}-lifecycle-forward-${i + 1}-failed-invocations`,
      description: `EventBridge could not put lifecycle events on ${target} (they go to the forwarding DLQ): the partner's bus policy or the bus itself.`,
      namespace: 'AWS/Events',
      metric: 'FailedInvocations',
      dimensions: [{ Name: 'RuleName', Value: ref(rule) }],
      threshold: 1,
    });
    add(`${rule}DlqFailuresAlarm`, {
      name: `${prefix}-lifecycle-forward-${i + 1}-dlq-failures`,
      description: `EventBridge could neither put lifecycle events on ${target} nor in the forwarding DLQ: they are lost to that partner.`,
      namespace: 'AWS/Events',
      metric: 'InvocationsFailedToBeSentToDlq',
      dimensions: [{ Name: 'RuleName', Value: ref(rule) }],
      threshold: 1,
    });
  });
  if (targets.length)
    add('LifecycleForwardDlqDepthAlarm', {
      name: `${prefix}-lifecycle-forward-dlq-depth`,
      description: 'Lifecycle events a partner\'s bus did not take after EventBridge\'s retries (24 h) are in the forwarding DLQ: each message is the event, to put again once the bus takes it.',
      namespace: 'AWS/SQS',
      metric: 'ApproximateNumberOfMessagesVisible',
      dimensions: [{ Name: 'QueueName', Value: getAtt(FORWARD_DLQ, 'QueueName') }],
      statistic: 'Maximum',
      threshold: 1,
    });

  // The funnel per allow-listed country (the SMS pumping signal): codes delivered ÷ sent, and verified ÷ delivered, over the hour.
  const countries = allowedCountries(String((await resolveVariable('param:smsCountryAllowlist')) ?? ''));
  const minimum = await threshold('funnelAlarmMinimumCodes');
  const deliveryRate = await threshold('deliveryRateAlarmPercent');
  const conversionRate = await threshold('conversionRateAlarmPercent');
  for (const country of countries) {
    Resources[`DeliveryRate${country}Alarm`] = fallingAlarm(
      {
        name: funnelAlarmName(prefix, 'delivery', country),
        description: `Under ${deliveryRate} % of the SMS and voice codes sent to ${country} in the hour were delivered (receipts; taken as 100 % under ${minimum} sent): a bad route, a carrier blocking us, or a flood of numbers that cannot receive (SMS pumping). docs/operations.md "Alarms".`,
        metrics: countryRate(country, 'CodesDelivered', 'CodesSent', minimum),
        threshold: deliveryRate,
      },
      topic,
    );
    Resources[`ConversionRate${country}Alarm`] = fallingAlarm(
      {
        name: funnelAlarmName(prefix, 'conversion', country),
        description: `Under ${conversionRate} % of the SMS and voice codes delivered to ${country} in the hour were verified (taken as 100 % under ${minimum} delivered): codes sent to numbers nobody reads, the signature of SMS pumping. docs/operations.md "Alarms".`,
        metrics: countryRate(country, 'CodesVerified', 'CodesDelivered', minimum),
        threshold: conversionRate,
      },
      topic,
    );
  }

  // SES's account reputation (published for the whole account, and per configuration set when enabled, which
  // the stack's is): SES places an account under review at a 5 % bounce or 0.1 % complaint rate, and may pause
  // it at 10 % or 0.5 %. These warn below the review levels.
  add('SesBounceRateAlarm', {
    name: `${prefix}-ses-bounce-rate`,
    description: `The account's SES bounce rate (Reputation.BounceRate, a fraction) reached the threshold, below the 5 % at which SES places the account under review: email codes are going to addresses that do not exist. docs/operations.md "Alarms".`,
    namespace: 'AWS/SES',
    metric: 'Reputation.BounceRate',
    dimensions: [],
    statistic: 'Maximum',
    period: 3600,
    threshold: await threshold('sesBounceRateThreshold'),
    // Published as the account sends: a quiet hour keeps the last state.
    treatMissingData: 'ignore',
  });
  add('SesComplaintRateAlarm', {
    name: `${prefix}-ses-complaint-rate`,
    description: `The account's SES complaint rate (Reputation.ComplaintRate, a fraction) reached the threshold, below the 0.1 % at which SES places the account under review: recipients mark code emails as spam. docs/operations.md "Alarms".`,
    namespace: 'AWS/SES',
    metric: 'Reputation.ComplaintRate',
    dimensions: [],
    statistic: 'Maximum',
    period: 3600,
    threshold: await threshold('sesComplaintRateThreshold'),
    treatMissingData: 'ignore',
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

  // End User Messaging's month-to-date spend (AWS/SMSVoice, the account in the region; collected once its
  // service-linked role exists). SNS's SMSMonthToDateSpentUSD measured SNS's SMS, which no code sends any more.
  add('SmsSpendAlarm', {
    name: `${prefix}-sms-month-to-date-spend`,
    description: 'SMS spend this month (TextMessageMonthlySpend: End User Messaging, whole account in the region, USD) passed the threshold; End User Messaging stops sending at the account\'s text spend limit. docs/operations.md "Alarms".',
    namespace: 'AWS/SMSVoice',
    metric: 'TextMessageMonthlySpend',
    dimensions: [],
    statistic: 'Maximum',
    period: 3600,
    threshold: await threshold('smsMonthToDateSpendUsdThreshold'),
    // A month-to-date gauge published only around sends: keep the last state rather than clearing it.
    treatMissingData: 'ignore',
  });
  add('VoiceSpendAlarm', {
    name: `${prefix}-voice-month-to-date-spend`,
    description: 'Voice spend this month (VoiceMessageMonthlySpend: End User Messaging, whole account in the region, USD) passed the threshold; End User Messaging stops calling at the account\'s voice spend limit. docs/operations.md "Alarms".',
    namespace: 'AWS/SMSVoice',
    metric: 'VoiceMessageMonthlySpend',
    dimensions: [],
    statistic: 'Maximum',
    period: 3600,
    threshold: await threshold('voiceMonthToDateSpendUsdThreshold'),
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
module.exports.funnelAlarmName = funnelAlarmName;
