import { SESv2Client, SendEmailCommand, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import { messageText, type ChannelAdapter, type CodeMessage } from './notifier.js';

/** The email channel in AWS: Amazon SES v2 SendEmail from the configured identity. */
export function sesEmailAdapter(settings: SESv2ClientConfig, from: string): ChannelAdapter {
  let ses: SESv2Client | undefined;
  return async (m: CodeMessage, callOptions) => {
    ses ??= new SESv2Client(settings);
    const text = messageText(m);
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: [m.to] },
        Content: { Simple: { Subject: { Data: text.subject, Charset: 'UTF-8' }, Body: { Text: { Data: text.body, Charset: 'UTF-8' } } } },
      }),
      callOptions,
    );
  };
}
