// @ts-check
// The consumer of delivery requests (docs/architecture.md "Delivery"): the operation the table's stream triggers (deliverCode), fed
// only inserted delivery requests (shared/channels.ts). A batch that still fails after the stream's
// retries is described (shard and sequence numbers, not the records) in this on-failure queue, which an
// alarm watches.
'use strict';

const { getAtt, upperFirst } = require('./cfn.cjs');
const { deliveryStreamFilterPatterns: filterPatterns, streamOperations } = require('./operations.cjs');

if (streamOperations.length !== 1) throw new Error('infra/delivery.cjs: the stream of delivery requests has exactly one consumer');
/** The function that consumes the stream, and the logical id of its on-failure queue. */
const DELIVERY_FUNCTION = streamOperations[0].name;
const DELIVERY_DLQ = `${upperFirst(DELIVERY_FUNCTION)}DLQ`;
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * The consumer's event: the table's stream, filtered to inserted delivery requests of a channel (a withheld
 * send's request, channel none, never invokes it), `batchSize` records an invocation and up to
 * `parallelizationFactor` invocations at once per shard, retried `retries` times halving the batch, then
 * described in the on-failure queue.
 * @param {{ retries: number, batchSize: number, parallelizationFactor: number }} o
 */
const streamEvent = (o) => {
  if (o.parallelizationFactor > 10) throw new Error('infra/delivery.cjs: a stream has at most 10 invocations at once per shard');
  return {
    stream: {
      type: 'dynamodb',
      arn: getAtt('VerigateTable', 'StreamArn'),
      startingPosition: 'TRIM_HORIZON',
      batchSize: o.batchSize,
      parallelizationFactor: o.parallelizationFactor,
      maximumRetryAttempts: o.retries,
      bisectBatchOnFunctionError: true,
      functionResponseType: 'ReportBatchItemFailures',
      filterPatterns,
      destinations: { onFailure: { arn: getAtt(DELIVERY_DLQ, 'Arn'), type: 'sqs' } },
    },
  };
};

async function deliveryResources() {
  return {
    Resources: {
      [DELIVERY_DLQ]: {
        Type: 'AWS::SQS::Queue',
        // What failed is data an operator replays from the stream: a stack deletion or replacement keeps it.
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
        Properties: { MessageRetentionPeriod: DLQ_RETENTION_SECONDS, SqsManagedSseEnabled: true },
      },
    },
  };
}

module.exports = deliveryResources;
module.exports.DELIVERY_FUNCTION = DELIVERY_FUNCTION;
module.exports.DELIVERY_DLQ = DELIVERY_DLQ;
module.exports.streamEvent = streamEvent;
