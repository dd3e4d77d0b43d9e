import type { Config, ProviderSettings } from '../config.js';
import type { MessageCatalog } from '../messages/catalog.js';
import { awsNotifier } from './aws.js';
import type { Notifier } from './notifier.js';
import { outboxNotifier } from './outbox.js';

/**
 * The configured delivery adapter. Imported by deliverCode only, so no other bundle carries End User
 * Messaging or SES. The aws notifier's provider settings are read and checked at deliverCode's cold start
 * (shared/config.ts readProviderSettings).
 */
export function notifierFor(
  config: Pick<Config, 'notifier' | 'region'>,
  messages: MessageCatalog,
  providers: ProviderSettings | undefined,
): Notifier {
  const n = config.notifier;
  if (n.kind === 'outbox') return outboxNotifier(n.path, messages);
  if (!providers) throw new Error('the aws notifier needs its provider settings (readProviderSettings)');
  return awsNotifier({ region: config.region, emailFrom: n.emailFrom, providers, messages });
}
