import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { MessageCatalog, RenderedMessage } from '../messages/catalog.js';
import { countDelivered, type CodeMessage, type Notifier } from './notifier.js';

/** What the user would read or hear: `text` (SSML for voice), and `subject` and `html` for email. */
const renderedFields = (r: RenderedMessage) => (r.channel === 'email' ? { text: r.text, subject: r.subject, html: r.html } : { text: r.text });

/**
 * Local delivery: one JSON line per message appended to the outbox file, and printed. This is the
 * simulated SMS/email itself (local stage only), not a log line, so it carries the code and the
 * rendered message.
 */
export function outboxNotifier(
  file: string,
  messages: MessageCatalog,
  print: (line: string) => void = (l) => process.stdout.write(`[outbox] ${l}\n`),
): Notifier {
  let dirReady: Promise<unknown> | undefined;
  return {
    async deliver(m: CodeMessage) {
      const rendered = messages.render(m.channel, m.language, m);
      dirReady ??= mkdir(path.dirname(path.resolve(file)), { recursive: true });
      await dirReady;
      const line = JSON.stringify({
        channel: m.channel,
        to: m.to,
        code: m.code,
        expire: m.expireSeconds,
        requestId: m.requestId,
        sentAt: new Date().toISOString(),
        ...renderedFields(rendered),
      });
      // One write call with O_APPEND per line: concurrent writers never interleave within a line.
      await appendFile(file, `${line}\n`, { encoding: 'utf8', flag: 'a' });
      print(line);
      countDelivered(rendered);
    },
  };
}
