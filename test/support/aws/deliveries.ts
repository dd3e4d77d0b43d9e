// Where the stand-ins' events go, and the envelopes AWS puts around an event record on its way to a function.
//
// - An event destination sink: what a configuration set's event destination receives, one record at a time,
//   in order, with the configuration set and destination names (End User Messaging SMS and Voice v2, SES v2).
// - The Lambda event of an SNS topic subscription, as Lambda receives it (Records[].Sns, Type "Notification",
//   Message = the record as a JSON string, SigningCertUrl / UnsubscribeUrl spelled as Lambda spells them):
//     https://docs.aws.amazon.com/lambda/latest/dg/with-sns.html (example SNS message event)
//   An SNS event destination publishes the event record as the notification's Message:
//     https://docs.aws.amazon.com/sms-voice/latest/userguide/configuration-sets-event-destinations.html
//     https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-contents.html
// - The EventBridge event that wraps a service's record (version "0", id, detail-type, source, account,
//   time, region, resources, detail):
//     https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-structure.html
//     https://docs.aws.amazon.com/sms-voice/latest/userguide/monitor-event-bridge.html
//       (source "aws.sms-voice"; "Text Message Delivery Status Updated", "Voice Message Delivery Status Updated")
//     https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html
//       (source "aws.ses"; "Email Sent", "Email Delivered", "Email Bounced", "Email Complaint Received", …)
import { randomUUID } from 'node:crypto';
import type { EventBridgeEvent, SNSEvent } from 'aws-lambda';

export interface Delivered<R> {
  configurationSet: string;
  eventDestination: string;
  record: R;
}

export class EventSink<T> {
  readonly delivered: T[] = [];
  private readonly waiters = new Set<() => boolean>();

  constructor(private readonly onDelivery?: (item: T) => void) {}

  deliver(item: T): void {
    this.delivered.push(item);
    this.onDelivery?.(item);
    for (const wake of this.waiters) wake();
  }

  /** The records of a configuration set's deliveries, in order. */
  records<R>(this: EventSink<Delivered<R>>): R[] {
    return this.delivered.map((d) => d.record);
  }

  /** Resolves with everything delivered once `until` holds for it; rejects after `timeoutMs`. */
  waitFor(until: (delivered: T[]) => boolean, timeoutMs = 2000): Promise<T[]> {
    return new Promise((resolve, reject) => {
      const test = () => {
        if (!until(this.delivered)) return false;
        clearTimeout(timer);
        this.waiters.delete(test);
        resolve(this.delivered);
        return true;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(test);
        reject(new Error(`event sink: condition not met within ${timeoutMs} ms; delivered: ${JSON.stringify(this.delivered)}`));
      }, timeoutMs);
      if (!test()) this.waiters.add(test);
    });
  }
}

export interface SnsTopic {
  topicArn: string;
  /** The subscription's id, the last part of EventSubscriptionArn. */
  subscriptionId?: string;
}

/** One SNS notification per record, as Lambda receives it from a topic subscription (one record per event). */
export function snsLambdaEvent(record: unknown, topic: SnsTopic, publishedAt = new Date()): SNSEvent {
  const [, , , region = 'us-east-1'] = topic.topicArn.split(':');
  const subscriptionArn = `${topic.topicArn}:${topic.subscriptionId ?? randomUUID()}`;
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: subscriptionArn,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: publishedAt.toISOString(),
          // Not a real signature: a function behind a Lambda subscription does not verify it (Lambda did).
          Signature: Buffer.from(`stand-in ${randomUUID()}`).toString('base64'),
          SigningCertUrl: `https://sns.${region}.amazonaws.com/SimpleNotificationService-0000000000000000000000000000000.pem`,
          MessageId: randomUUID(),
          Message: typeof record === 'string' ? record : JSON.stringify(record),
          MessageAttributes: {},
          Type: 'Notification',
          UnsubscribeUrl: `https://sns.${region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${subscriptionArn}`,
          TopicArn: topic.topicArn,
          Subject: undefined,
        },
      },
    ],
  };
}

export interface EventBridgeEnvelope {
  source: string;
  detailType: string;
  account: string;
  region: string;
  resources?: string[];
  time?: Date;
}

export function eventBridgeEvent<D>(detail: D, e: EventBridgeEnvelope): EventBridgeEvent<string, D> {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': e.detailType,
    source: e.source,
    account: e.account,
    // EventBridge's time has whole seconds: "2024-10-16T17:21:40Z".
    time: (e.time ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: e.region,
    resources: e.resources ?? [],
    detail,
  };
}
