// Reading the outbox file the local notifier writes (shared/notify/outbox.ts): one JSON message per line.
import { existsSync, readFileSync } from 'node:fs';
import type { Channel } from '../../shared/channels.js';

export interface OutboxMessage {
  channel: Channel;
  to: string;
  code: string;
  expire: number;
  requestId: string;
  sentAt: string;
  /** The rendered message (SSML for voice). */
  text: string;
  /** Email only. */
  subject?: string;
  html?: string;
}

/** The messages in `file`, oldest first ([] before the first one is written). */
export function readOutbox(file: string): OutboxMessage[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as OutboxMessage);
}
