import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { budgetSignal } from '../deadline.js';
import { outcomeUnknown } from '../store/client.js';
import { DELIVERY_TIMEOUT_MS, SECOND_MS } from '../policy.js';
import { DeliveryOutcomeUnknown, messageText, type CodeMessage, type Notifier } from './notifier.js';

export interface AwsNotifierOptions {
  region: string;
  emailFrom: string;
  smsSenderId: string | undefined;
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
    const text = messageText(m);
    if (m.channel === 'sms') {
      sns ??= new SNSClient(settings);
      await sns.send(
        new PublishCommand({
          PhoneNumber: m.to,
          Message: text.body,
          MessageAttributes: {
            'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
            ...(options.smsSenderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: options.smsSenderId } } : {}),
          },
        }),
        callOptions(),
      );
      return;
    }
    ses ??= new SESv2Client(settings);
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: options.emailFrom,
        Destination: { ToAddresses: [m.to] },
        Content: { Simple: { Subject: { Data: text.subject, Charset: 'UTF-8' }, Body: { Text: { Data: text.body, Charset: 'UTF-8' } } } },
      }),
      callOptions(),
    );
  }
}
