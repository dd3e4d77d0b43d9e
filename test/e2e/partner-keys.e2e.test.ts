// A partner key added with `npm run partner-key` while the stack runs is accepted at once by check-identity
// over HTTP: no restart, no redeploy. (Rotation and revocation, which a warm function sees within
// PARTNER_KEY_CACHE_MS, are covered with a controlled clock in test/integration/partner-keys.test.ts.)
import { execFile } from 'node:child_process';
import path from 'node:path';
import { randomInt } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../dev/paths.js';
import { signRequestWithHuaweiSdk } from '../../dev/support/huawei-sign.js';
import { OPERATIONS } from '../../shared/operations.js';
import { apiUrl, expectAudited, expectError, expectOk, newRequestId, toApiResponse } from './helpers.js';

const CHECK = { search_type: 'name', search_value: 'ceshiyonghu001' };

function partnerKeyScript(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [path.join(repoRoot, 'scripts', 'partner-key.ts'), ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, STAGE: 'local', DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), TABLE_NAME: inject('tableName') },
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

async function signedCheck(ak: string, sk: string) {
  const requestId = newRequestId();
  const signed = await signRequestWithHuaweiSdk({
    ak,
    sk,
    method: 'POST',
    url: `${apiUrl()}${OPERATIONS.checkIdentity.route.path}`,
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': requestId },
    body: CHECK,
  });
  const res = await fetch(signed.url, { method: signed.method, headers: signed.headers, body: signed.body });
  return toApiResponse('checkIdentity', res, requestId);
}

describe('partner keys on the running local stack', () => {
  it('accepts a key as soon as the operator adds it, and keeps its secret key out of the audit record', async () => {
    const ak = `E2EPARTNER${String(randomInt(1e9)).padStart(10, '0')}`;
    // A fresh AK each run: a function remembers an unknown AK as unknown for the cache period.
    const added = await partnerKeyScript(['add', ak, '--partner', 'E2E Partner']);
    expect(added.code).toBe(0);
    const sk = added.stdout.trim();
    const ok = await signedCheck(ak, sk);
    await expectOk(ok);
    const record = await expectAudited(ok, [sk]);
    expect(record.caller).toBe(`partner-ak:${ak}`);
    await expectError(await signedCheck(ak, `${sk.slice(0, -1)}${sk.endsWith('A') ? 'B' : 'A'}`), 401, 'APIG.0301');
  }, 60_000);

  it('refuses an access key nobody added', async () => {
    await expectError(await signedCheck('E2ENOBODYADDEDTHIS01', 'x'.repeat(40)), 401, 'APIG.0301');
  });
});
