import { SESv2Client, SendEmailCommand, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import type { ProviderSettings } from '../config.js';
import type { MessageCatalog } from '../messages/catalog.js';
import { RECEIPT_CONTEXT_KEY } from '../policy.js';
import { countDelivered, type ChannelAdapter, type CodeMessage } from './notifier.js';

/**
 * The email channel in AWS: Amazon SES v2 SendEmail from the configured identity, a text and an HTML part,
 * through the configuration set whose event destination sends the receipts, tagged with the delivery
 * request's id (the receipts carry the message's tags).
 */
export function sesEmailAdapter(
  settings: SESv2ClientConfig,
  ses: ProviderSettings['ses'],
  messages: MessageCatalog,
  from: string,
): ChannelAdapter {
  let client: SESv2Client | undefined;
  return async (m: CodeMessage, callOptions) => {
    const email = messages.render('email', m.languages, m);
    client ??= new SESv2Client(settings);
    const { MessageId } = await client.send(
      new SendEmailCommand({
        FromEmailAddress: from,
        Destination: { ToAddresses: [m.to] },
        Content: {
          Simple: {
            Subject: { Data: email.subject, Charset: 'UTF-8' },
            Body: { Text: { Data: email.text, Charset: 'UTF-8' }, Html: { Data: email.html, Charset: 'UTF-8' } },
          },
        },
        ConfigurationSetName: ses.configurationSet,
        EmailTags: [{ Name: RECEIPT_CONTEXT_KEY, Value: m.deliveryRequestId }],
      }),
      callOptions,
    );
    countDelivered(email);
    return { messageId: MessageId ?? '' };
  };
}
