// @ts-check
// Customer events (EventBridge, default bus, source `verigate.customers`) reach their function through an
// SQS queue, never directly: Lambda's asynchronous retries give up after two attempts and drop the event,
// while the queue keeps it until maxReceiveCount and then moves it to its DLQ. An event the rule cannot put
// on the queue (after EventBridge's own retries, up to 24 h) goes to that same DLQ, so a DLQ redrive
// replays both kinds (the function accepts an EventBridge envelope as an SQS body).
'use strict';

const { getAtt, ref, upperFirst } = require('./cfn.cjs');
const { eventOperations } = require('./operations.cjs');

/** One queue per event-driven operation (shared/operations.ts), for the detail-type it declares. */
const CUSTOMER_EVENT_QUEUES = eventOperations.map((o) => ({ fn: o.name, detailType: o.detailType }));

const EVENT_SOURCE = 'verigate.customers';
/** Lambda advises six times the function timeout (10 s). */
const VISIBILITY_TIMEOUT_SECONDS = 60;
const MAX_RECEIVE_COUNT = 5;
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

/** Logical ids of one function's queue resources. */
const queueIds = (fn) => {
  const base = upperFirst(fn);
  return { queue: `${base}Queue`, dlq: `${base}DLQ`, rule: `${base}Rule`, policy: `${base}QueuePolicy` };
};

/** The function's event: its own queue, batches whose messages fail one by one. */
const queueEvent = (fn) => ({
  sqs: { arn: getAtt(queueIds(fn).queue, 'Arn'), batchSize: 10, functionResponseType: 'ReportBatchItemFailures' },
});

/** The resources of one event-driven function: queue, DLQ, rule targeting the queue, queue policy. */
function queueResources({ fn, detailType }, stage) {
  const ids = queueIds(fn);
  return {
    [ids.dlq]: {
      Type: 'AWS::SQS::Queue',
      // Undelivered events are data: a stack deletion or replacement keeps the DLQ.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { MessageRetentionPeriod: DLQ_RETENTION_SECONDS, SqsManagedSseEnabled: true },
    },
    [ids.queue]: {
      Type: 'AWS::SQS::Queue',
      Properties: {
        VisibilityTimeout: VISIBILITY_TIMEOUT_SECONDS,
        SqsManagedSseEnabled: true,
        RedrivePolicy: { deadLetterTargetArn: getAtt(ids.dlq, 'Arn'), maxReceiveCount: MAX_RECEIVE_COUNT },
      },
    },
    [ids.rule]: {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `verigate-${stage}-${fn}`,
        Description: `${detailType} events to the ${fn} queue`,
        EventPattern: { source: [EVENT_SOURCE], 'detail-type': [detailType] },
        State: 'ENABLED',
        Targets: [
          {
            Id: ids.queue,
            Arn: getAtt(ids.queue, 'Arn'),
            RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
            DeadLetterConfig: { Arn: getAtt(ids.dlq, 'Arn') },
          },
        ],
      },
    },
    [ids.policy]: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref(ids.queue), ref(ids.dlq)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: `${detailType}EventsFromItsRule`,
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: [getAtt(ids.queue, 'Arn'), getAtt(ids.dlq, 'Arn')],
              Condition: { ArnEquals: { 'aws:SourceArn': getAtt(ids.rule, 'Arn') } },
            },
          ],
        },
      },
    },
  };
}

async function eventResources({ resolveVariable }) {
  const stage = await resolveVariable('sls:stage');
  return { Resources: Object.assign({}, ...CUSTOMER_EVENT_QUEUES.map((q) => queueResources(q, stage))) };
}

module.exports = eventResources;
module.exports.CUSTOMER_EVENT_QUEUES = CUSTOMER_EVENT_QUEUES;
module.exports.queueIds = queueIds;
module.exports.queueEvent = queueEvent;
module.exports.MAX_RECEIVE_COUNT = MAX_RECEIVE_COUNT;
