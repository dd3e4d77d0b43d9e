import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { budgetSignal } from '../deadline.js';
import { outcomeUnknown } from '../store/client.js';
import { DELIVERY_TIMEOUT_MS, SECOND_MS } from '../policy.js';
import type { MessageCatalog } from '../messages/catalog.js';
import { countDelivered, DeliveryOutcomeUnknown, type CodeMessage, type Notifier } from './notifier.js';

export interface AwsNotifierOptions {
  region: string;
  emailFrom: string;
  smsSenderId: string | undefined;
  /** The stage's messages (shared/messages). */
  messages: MessageCatalog;
  /** A stand-in endpoint for SNS and SES (tests); AWS's own when undefined. */
  endpoint?: string | undefined;
}

/**
 * Delivery in AWS: SMS through Amazon SNS (transactional), email through Amazon SES v2. One attempt
 * per call, bounded, no SDK retry: a retry of a Publish that timed out after SNS accepted it would send
 * the same code twice. A call without an answer is reported as DeliveryOutcomeUnknown (never retried);
 * an answered refusal as the provider's error (deliverCode may try again).
 */
export function awsNotifier(options: AwsNotifierOptions): Notifier {
  const settings = {
    region: options.region,
    maxAttempts: 1,
    requestHandler: { requestTimeout: DELIVERY_TIMEOUT_MS, connectionTimeout: SECOND_MS, throwOnRequestTimeout: true },
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  };
  let sns: SNSClient | undefined;
  let ses: SESv2Client | undefined;
  const callOptions = () => {
    const abortSignal = budgetSignal();
    return abortSignal ? { abortSignal } : {};
  };
  return {
    async deliver(m: CodeMessage) {
      try {
        await send(m);
      } catch (err) {
        throw outcomeUnknown(err) ? new DeliveryOutcomeUnknown(err) : err;
      }
    },
  };

  async function send(m: CodeMessage): Promise<void> {
    if (m.channel === 'sms') {
      const sms = options.messages.render('sms', m.language, m);
      sns ??= new SNSClient(settings);
      await sns.send(
        new PublishCommand({
          PhoneNumber: m.to,
          Message: sms.text,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            ...(options.smsSenderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: options.smsSenderId } } : {}),
          },
        }),
        callOptions(),
      );
      countDelivered(sms);
      return;
    }
    const email = options.messages.render('email', m.language, m);
    ses ??= new SESv2Client(settings);
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: options.emailFrom,
        Destination: { ToAddresses: [m.to] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
          },
        },
      }),
      callOptions(),
    );
    countDelivered(email);
  }
}
