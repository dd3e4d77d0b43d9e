// @ts-check
// The outbox's consumer (docs/architecture.md "Delivery"): deliverCode reads the table's stream, filtered to inserted
// delivery requests (infra/delivery-stream.json). A batch that still fails after the stream's retries is
// described (shard and sequence numbers, not the records) in this on-failure queue, which an alarm watches.
'use strict';

/** The function that consumes the stream, and the logical id of its on-failure queue. */
const DELIVERY_FUNCTION = 'deliverCode';
const DELIVERY_DLQ = 'DeliverCodeDLQ';
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;

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
