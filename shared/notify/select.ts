import type { Config } from '../config.js';
import { awsNotifier } from './aws.js';
import type { Notifier } from './notifier.js';
import { outboxNotifier } from './outbox.js';

/** The configured delivery adapter. Imported by deliverCode only, so no other bundle carries SNS/SES. */
export function notifierFor(config: Pick<Config, 'notifier' | 'region'>): Notifier {
  const n = config.notifier;
  return n.kind === 'outbox'
    ? outboxNotifier(n.path)
    : awsNotifier({ region: config.region, emailFrom: n.emailFrom, smsSenderId: n.smsSenderId });
}
