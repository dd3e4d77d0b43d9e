// The README's bash + openssl AK/SK example (examples/signed-request.sh) against the e2e stack: the
// signature it computes by hand is accepted, and a wrong secret is refused.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../dev/paths.js';
import { uniqueMobile } from '../../dev/support/identities.js';
import { addFreshPartnerKey } from '../support/fresh-partner-key.js';
import { apiUrl } from './helpers.js';

const run = async (env: Record<string, string>, ...args: string[]): Promise<Record<string, unknown>> => {
  const { stdout } = await promisify(execFile)('bash', [path.join(repoRoot, 'examples', 'signed-request.sh'), ...args], {
    env: { ...process.env, API: apiUrl(), ...env },
    timeout: 15_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
};

describe('the bash + openssl signed-request example', () => {
  it('is accepted as an SDK-HMAC-SHA256 signature of a partner key', async () => {
    const key = await addFreshPartnerKey('E2ESCRIPT');
    expect(await run({ LOCAL_PARTNER_AK: key.accessKey, LOCAL_PARTNER_SK: key.secretKey }, 'mobile', uniqueMobile().dashed)).toEqual({
      error_code: 'CBC.0000',
      error_msg: 'success',
      check_result: 'available',
      mobile_remain_available_num: 5,
    });
  }, 60_000);

  it('is refused with APIG.0301 when signed with another secret', async () => {
    const key = await addFreshPartnerKey('E2ESCRIPT');
    expect(await run({ LOCAL_PARTNER_AK: key.accessKey, LOCAL_PARTNER_SK: 'not-the-secret' })).toMatchObject({ error_code: 'APIG.0301' });
  }, 60_000);
});
