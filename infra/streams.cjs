// @ts-check
// The consumers of the table's stream (docs/architecture.md "Delivery", "Lifecycle events"): each operation the
// stream triggers (shared/operations.ts, trigger 'stream': deliverCode, publishLifecycleEvents) gets its own
// event source mapping, fed only the records its own filter patterns pass (exported by the code, which the
// local poller applies too), and its own on-failure queue, in which a batch that still fails after the
// stream's retries is described (shard and sequence numbers, not the records) and which an alarm watches.
'use strict';

const { getAtt, upperFirst } = require('./cfn.cjs');
const { streamOperations } = require('./operations.cjs');

/** DynamoDB Streams: no more than two readers per shard at once (Lambda's event source mappings count as readers). */
const MAX_CONSUMERS = 2;
if (streamOperations.length < 1 || streamOperations.length > MAX_CONSUMERS)
  throw new Error(`infra/streams.cjs: the table's stream takes 1 to ${MAX_CONSUMERS} consumers, not ${streamOperations.length}`);
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

/** The stream's consumers: the function, its on-failure queue's logical id, its filter patterns. */
const STREAM_CONSUMERS = streamOperations.map((o) => ({
  fn: o.name,
  dlq: `${upperFirst(o.name)}DLQ`,
  stageParams: o.stageParams,
  filterPatterns: o.stream.filterPatterns,
}));
/** The consumer that sends the codes, whose lag delays every message. */
const DELIVERY_FUNCTION = streamOperations.find((o) => o.deliversCodes)?.name;
if (!DELIVERY_FUNCTION) throw new Error('infra/streams.cjs: no stream consumer delivers the codes');

/**
 * A consumer's event: the table's stream, filtered by its patterns, `batchSize` records an invocation and up
 * to `parallelizationFactor` invocations at once per shard, retried `retries` times halving the batch, then
 * described in its on-failure queue.
 * @param {string} fn
 * @param {{ retries: number, batchSize: number, parallelizationFactor: number }} o
 */
const streamEvent = (fn, o) => {
  const consumer = STREAM_CONSUMERS.find((c) => c.fn === fn);
  if (!consumer) throw new Error(`infra/streams.cjs: ${fn} does not consume the stream`);
  if (o.parallelizationFactor > 10) throw new Error('infra/streams.cjs: a stream has at most 10 invocations at once per shard');
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
      filterPatterns: consumer.filterPatterns,
      destinations: { onFailure: { arn: getAtt(consumer.dlq, 'Arn'), type: 'sqs' } },
    },
  };
};

async function streamResources() {
  const Resources = {};
  for (const { dlq } of STREAM_CONSUMERS)
    Resources[dlq] = {
      Type: 'AWS::SQS::Queue',
      // What failed is data an operator replays from the stream: a stack deletion or replacement keeps it.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { MessageRetentionPeriod: DLQ_RETENTION_SECONDS, SqsManagedSseEnabled: true },
    };
  return { Resources };
}

module.exports = streamResources;
module.exports.STREAM_CONSUMERS = STREAM_CONSUMERS;
module.exports.DELIVERY_FUNCTION = DELIVERY_FUNCTION;
module.exports.streamEvent = streamEvent;
