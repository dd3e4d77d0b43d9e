// A partner AK/SK pair of its own for an e2e test, added to the e2e stack's table with the operator's tool
// (`npm run partner-key -- add`): the local default pair may be locked for this source by the tests of the
// AK lockout, and a lock is per AK and source.
import { execFile } from 'node:child_process';
import { randomInt } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { repoRoot } from '../../dev/paths.js';

export async function addFreshPartnerKey(label: string): Promise<{ accessKey: string; secretKey: string }> {
  const accessKey = `${label}${String(randomInt(1e9)).padStart(10, '0')}`;
  const { stdout } = await promisify(execFile)(
    path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
    [path.join(repoRoot, 'scripts', 'partner-key.ts'), 'add', accessKey, '--partner', label],
    {
      cwd: repoRoot,
      env: { ...process.env, STAGE: 'local', DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), TABLE_NAME: inject('tableName') },
      timeout: 30_000,
    },
  );
  return { accessKey, secretKey: stdout.trim() };
}
