import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { CodeMessage, Notifier } from './notifier.js';

/**
 * Local delivery: one JSON line per message appended to the outbox file, and printed. This is the
 * simulated SMS/email itself (local stage only), not a log line, so it carries the code.
 */
export function outboxNotifier(file: string, print: (line: string) => void = (l) => process.stdout.write(`[outbox] ${l}\n`)): Notifier {
  let dirReady: Promise<unknown> | undefined;
  return {
    async deliver(m: CodeMessage) {
      dirReady ??= mkdir(path.dirname(path.resolve(file)), { recursive: true });
      await dirReady;
      const line = JSON.stringify({
        channel: m.channel,
        to: m.to,
        code: m.code,
        expire: m.expireSeconds,
        requestId: m.requestId,
        sentAt: new Date().toISOString(),
      });
      // One write call with O_APPEND per line: concurrent writers never interleave within a line.
      await appendFile(file, `${line}\n`, { encoding: 'utf8', flag: 'a' });
      print(line);
    },
  };
}
