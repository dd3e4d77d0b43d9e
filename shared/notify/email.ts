import { SESv2Client, SendEmailCommand, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import type { MessageCatalog } from '../messages/catalog.js';
import { countDelivered, type ChannelAdapter, type CodeMessage } from './notifier.js';

/** The email channel in AWS: Amazon SES v2 SendEmail from the configured identity, a text and an HTML part. */
export function sesEmailAdapter(settings: SESv2ClientConfig, messages: MessageCatalog, from: string): ChannelAdapter {
  let ses: SESv2Client | undefined;
  return async (m: CodeMessage, callOptions) => {
    const email = messages.render('email', m.language, m);
    ses ??= new SESv2Client(settings);
    await ses.send(
      new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: [m.to] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
          },
        },
      }),
      callOptions,
    );
    countDelivered(email);
  };
}
