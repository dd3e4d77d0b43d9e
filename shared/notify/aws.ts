import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { messageText, type CodeMessage, type Notifier } from './notifier.js';

/** Delivery in AWS: SMS through Amazon SNS (transactional), email through Amazon SES v2. */
export function awsNotifier(options: { region: string; emailFrom: string; smsSenderId: string | undefined }): Notifier {
  const timeouts = { requestHandler: { requestTimeout: 3000, connectionTimeout: 1000 } };
  let sns: SNSClient | undefined;
  let ses: SESv2Client | undefined;
  return {
    async deliver(m: CodeMessage) {
      const text = messageText(m);
      if (m.channel === 'sms') {
        sns ??= new SNSClient({ region: options.region, ...timeouts });
        await sns.send(
          new PublishCommand({
            PhoneNumber: m.to,
            Message: text.body,
            MessageAttributes: {
              'AWS.SNS.SMS.SMSType': { DataType: 'String', StringValue: 'Transactional' },
              ...(options.smsSenderId ? { 'AWS.SNS.SMS.SenderID': { DataType: 'String', StringValue: options.smsSenderId } } : {}),
            },
          }),
        );
        return;
      }
      ses ??= new SESv2Client({ region: options.region, ...timeouts });
      await ses.send(
        new SendEmailCommand({
          FromEmailAddress: options.emailFrom,
          Destination: { ToAddresses: [m.to] },
          Content: { Simple: { Subject: { Data: text.subject, Charset: 'UTF-8' }, Body: { Text: { Data: text.body, Charset: 'UTF-8' } } } },
        }),
      );
    },
  };
}
