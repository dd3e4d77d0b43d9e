import { randomUUID } from 'node:crypto';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { MessageCatalog, RenderedMessage } from '../messages/catalog.js';
import { countDelivered, type CodeMessage, type Notifier } from './notifier.js';
import { simulatedReceipts } from './simulator.js';

/** What the user would read or hear: `text` (SSML for voice), and `subject` and `html` for email. */
const renderedFields = (r: RenderedMessage) => (r.channel === 'email' ? { text: r.text, subject: r.subject, html: r.html } : { text: r.text });

/** Where the local port writes the receipts of the outbox `outboxFile`'s messages: beside it (dev/receipts-poller.ts reads it). */
export const receiptsFileOf = (outboxFile: string): string => path.join(path.dirname(path.resolve(outboxFile)), 'receipts.jsonl');

/** The sender the local stage's emails name (SES's `source` in their receipts). */
export const LOCAL_EMAIL_FROM = 'no-reply@verigate.invalid';

/** One write call with O_APPEND per line: concurrent writers never interleave within a line. */
const appendLines = (file: string, lines: string[]) => appendFile(file, lines.map((l) => `${l}\n`).join(''), { encoding: 'utf8', flag: 'a' });

/**
 * Local delivery: one JSON line per message appended to the outbox file, and printed. This is the
 * simulated SMS/voice call/email itself (local stage only), not a log line, so it carries the code and the
 * rendered message. The port then answers as AWS would: a message id, and the receipts AWS's simulators
 * would publish for the destination (shared/notify/simulator.ts), appended to the receipts file beside
 * the outbox, from which they reach recordReceipt as SNS events (dev/receipts-poller.ts).
 */
export function outboxNotifier(
  file: string,
  messages: MessageCatalog,
  print: (line: string) => void = (l) => process.stdout.write(`[outbox] ${l}\n`),
): Notifier {
  let dirReady: Promise<unknown> | undefined;
  const receipts = receiptsFileOf(file);
  return {
    async deliver(m: CodeMessage) {
      const rendered = messages.render(m.channel, m.languages, m);
      dirReady ??= mkdir(path.dirname(path.resolve(file)), { recursive: true });
      await dirReady;
      const at = new Date();
      const line = JSON.stringify({
        channel: m.channel,
        to: m.to,
        code: m.code,
        expire: m.expireSeconds,
        requestId: m.requestId,
        sentAt: at.toISOString(),
        ...renderedFields(rendered),
      });
      await appendLines(file, [line]);
      print(line);
      countDelivered(rendered);
      const messageId = randomUUID();
      const records = simulatedReceipts({ message: m, rendered, messageId, at, from: LOCAL_EMAIL_FROM });
      await appendLines(receipts, records.map((r) => JSON.stringify(r)));
      return { messageId };
    },
  };
}
