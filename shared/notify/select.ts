import type { Config } from '../config.js';
import type { MessageCatalog } from '../messages/catalog.js';
import { awsNotifier } from './aws.js';
import type { Notifier } from './notifier.js';
import { outboxNotifier } from './outbox.js';

/** The configured delivery adapter. Imported by deliverCode only, so no other bundle carries SNS/SES. */
export function notifierFor(config: Pick<Config, 'notifier' | 'region'>, messages: MessageCatalog): Notifier {
  const n = config.notifier;
  return n.kind === 'outbox'
    ? outboxNotifier(n.path, messages)
    : awsNotifier({ region: config.region, emailFrom: n.emailFrom, smsSenderId: n.smsSenderId, messages });
}
