// Receipts on the running local stack (docs/architecture.md "Receipts"): the delivery port answers as AWS's
// simulators do and writes the receipts AWS would publish; the receipts poller started with the stack hands
// them to recordReceipt through serverless-offline as the receipts topic's SNS events. A failure refunds the
// send, a hard bounce suppresses the address until the operator lifts it (`npm run suppression`).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../dev/paths.js';
import { auditRecords, auditRecordsSince, call, captchaToken, expectError, expectOk, outboxFor, type AuditRecord } from './helpers.js';

const HK_FAILURE = '+85257048854';

/** The receipt records of a send (by the X-Request-Id it was answered with), once recordReceipt has written them. */
async function receiptsOf(clientRequestId: string, since: Date, count: number): Promise<AuditRecord[]> {
  // A receipt names the send by its platform request id, which keys the send's own record.
  const [send] = (await auditRecords(clientRequestId)).filter((r) => r.operation === 'sendVerificationCode');
  const sendRequestId = String(send?.requestId);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const records = (await auditRecordsSince('recordReceipt', since)).filter(
      (r) => (r.detail as Record<string, unknown> | undefined)?.sendRequestId === sendRequestId,
    );
    if (records.length >= count || Date.now() > deadline) return records;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function suppression(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [path.join(repoRoot, 'scripts', 'suppression.ts'), ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, STAGE: 'local', DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), TABLE_NAME: inject('tableName') },
      },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
}

describe('receipts on the local stack', () => {
  it("HK's failure simulator number: the receipt refunds the send; an immediate resend by voice is called", async () => {
    const since = new Date(Date.now() - 1000);
    const failed = await call('sendVerificationCode', { user: HK_FAILURE, token: await captchaToken(HK_FAILURE) });
    await expectOk(failed);
    const [receipt] = await receiptsOf(failed.requestId, since, 1);
    expect(receipt).toMatchObject({ outcome: 'RCP.0502', caller: 'event:sns', detail: { channel: 'sms', event: 'TEXT_UNREACHABLE' } });

    const byVoice = await call('sendVerificationCode', { user: HK_FAILURE, sendMethod: 'voice', token: await captchaToken(HK_FAILURE) });
    await expectOk(byVoice);
    const [call_] = await outboxFor(byVoice.requestId);
    expect(call_).toMatchObject({ channel: 'voice', to: HK_FAILURE });
    expect(call_!.text).toMatch(/^<speak>/);
  }, 60_000);

  it('bounce@: suppressed, the next send refused 400 USG.201040004; lifted by the operator, it sends again', async () => {
    const address = `bounce+${randomUUID().slice(0, 8)}@simulator.amazonses.com`;
    const since = new Date(Date.now() - 1000);
    const first = await call('sendVerificationCode', { user: address, token: await captchaToken(address) });
    await expectOk(first);
    const [receipt] = await receiptsOf(first.requestId, since, 1);
    expect(receipt).toMatchObject({
      outcome: 'RCP.0502',
      detail: { channel: 'email', event: 'Bounce/Permanent/General', suppressed: 'bounce' },
    });

    const refused = await call(
      'sendVerificationCode',
      { user: address, token: await captchaToken(address) },
      { headers: { 'Accept-Language': 'en-US' } },
    );
    await expectError(refused, 400, 'USG.201040004');

    expect((await suppression(['remove', address])).code).toBe(0);
    await expectOk(await call('sendVerificationCode', { user: address, token: await captchaToken(address) }));
  }, 60_000);
});
