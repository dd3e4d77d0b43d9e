// The local delivery port: one JSON line per message, with what the user would receive beside the code,
// and the SMS's parts counted once the message is out.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { compileMessages } from '../../shared/messages/catalog.js';
import { outboxNotifier, receiptsFileOf } from '../../shared/notify/outbox.js';
import { readReceipt } from '../../shared/notify/receipts.js';
import { metrics } from '../../shared/observability.js';

const dir = mkdtempSync(path.join(tmpdir(), 'verigate-outbox-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const messages = compileMessages(loadConfig({ STAGE: 'local', MESSAGE_BRAND: 'Acme', WEBOTP_DOMAIN: 'login.acme.example' }));
const base = { code: '042917', expireSeconds: 180, remainingSeconds: 179, requestId: 'req-1', deliveryRequestId: 'dr-1' } as const;
const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('the outbox notifier', () => {
  it('writes an SMS with its present fields and the rendered text, printed as written, and counts its parts', async () => {
    const file = path.join(dir, 'sms.jsonl');
    const printed: string[] = [];
    const added = vi.spyOn(metrics, 'addMetric');
    await outboxNotifier(file, messages, (l) => printed.push(l)).deliver({ ...base, channel: 'sms', to: '+8613612345678', country: 'CN', languages: ['zh-CN'] });
    const [line] = lines(file);
    expect(Object.keys(line!)).toEqual(['channel', 'to', 'code', 'expire', 'requestId', 'sentAt', 'text']);
    expect(line).toMatchObject({ channel: 'sms', to: '+8613612345678', code: '042917', expire: 180, requestId: 'req-1' });
    expect(line!.text).toBe('【Acme】您的验证码是 042917，3 分钟内有效。请勿告知他人。\n@login.acme.example #042917');
    expect(new Date(String(line!.sentAt)).toISOString()).toBe(line!.sentAt);
    expect(printed).toEqual([JSON.stringify(line)]);
    expect(added).toHaveBeenCalledWith('SmsParts', 'Count', 1);
  });

  it('writes an email with its subject, text and HTML parts, and counts no parts', async () => {
    const file = path.join(dir, 'email.jsonl');
    const added = vi.spyOn(metrics, 'addMetric');
    await outboxNotifier(file, messages, () => {}).deliver({ ...base, channel: 'email', to: 'someone@example.com', country: undefined, languages: ['en-US'] });
    const [line] = lines(file);
    expect(Object.keys(line!)).toEqual(['channel', 'to', 'code', 'expire', 'requestId', 'sentAt', 'text', 'subject', 'html']);
    expect(line!.subject).toBe('[Acme] Your verification code');
    expect(line!.text).toContain('Your verification code is: 042917');
    expect(line!.html).toContain('>042917</span>');
    expect(added).not.toHaveBeenCalled();
  });

  it('writes a voice call with the same fields, its text the SSML the call speaks', async () => {
    const file = path.join(dir, 'voice.jsonl');
    await outboxNotifier(file, messages, () => {}).deliver({ ...base, channel: 'voice', to: '+861012345678', country: 'CN', languages: ['zh-CN'] });
    const [line] = lines(file);
    expect(Object.keys(line!)).toEqual(['channel', 'to', 'code', 'expire', 'requestId', 'sentAt', 'text']);
    expect(line).toMatchObject({ channel: 'voice', to: '+861012345678', code: '042917' });
    expect(line!.text).toMatch(/^<speak>[\s\S]*0<break time="300ms"\/>4[\s\S]*<\/speak>$/);
  });

  it("answers with a message id, and writes the receipts AWS would publish for it beside the outbox, naming the delivery request", async () => {
    const file = path.join(dir, 'receipts', 'outbox.jsonl');
    const notifier = outboxNotifier(file, messages, () => {});
    const hk = await notifier.deliver({ ...base, channel: 'sms', to: '+85257048854', country: 'HK', languages: ['en-US'], deliveryRequestId: 'dr-hk' });
    const mail = await notifier.deliver({ ...base, channel: 'email', to: 'bounce@simulator.amazonses.com', country: undefined, languages: ['en-US'], deliveryRequestId: 'dr-mail' });
    expect(hk.messageId).toMatch(/^[0-9a-f-]{36}$/);
    const receipts = lines(receiptsFileOf(file)).map((r) => readReceipt(r)!);
    expect(receipts.map((r) => [r.deliveryRequestId, r.messageId === hk.messageId || r.messageId === mail.messageId, r.state, r.reason])).toEqual([
      ['dr-hk', true, 'failed', 'TEXT_UNREACHABLE'],
      ['dr-mail', true, 'pending', 'Send'],
      ['dr-mail', true, 'failed', 'Bounce/Permanent/General'],
    ]);
  });
});
