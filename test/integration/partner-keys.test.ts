// Partner AK/SK pairs in the table (PARTNER#<AK> / KEY), sealed under the key-encryption secret, and the
// operator's script that adds, rotates and revokes them: against DynamoDB Local, through the real
// check-identity pipeline with requests signed by the official Huawei signer.
import { vi, describe, it, expect, beforeEach } from 'vitest';

vi.hoisted(() => {
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { execFile } from 'node:child_process';
import path from 'node:path';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { inject } from 'vitest';
import { createCheckIdentityHandler } from '../../functions/check-identity.js';
import { LOCAL_PARTNER_DEFAULTS } from '../../shared/local-defaults.js';
import { PARTNER_KEY_CACHE_MS } from '../../shared/policy.js';
import { createPartnerKeys, PartnerKeyIntegrityError, PartnerKeyStateError, type PartnerKeys } from '../../shared/store/partner-keys.js';
import { repoRoot } from '../../dev/paths.js';
import { countRequests } from '../../dev/support/meter.js';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';
import { startFaultProxy } from '../../dev/support/fault-proxy.js';
import { createDb } from '../../shared/store/client.js';
import { akskHeaders, post, type Answer } from './partner-auth-support.js';

const BODY = { search_type: 'name', search_value: 'ceshiyonghu001' };
const AK = 'PARTNERTESTAK0000001';
const SK = 'partner-test-secret-key-0000000000000001';
const NEW_SK = 'partner-test-secret-key-0000000000000002';

let t: TestRuntime;
let handler: ReturnType<typeof createCheckIdentityHandler>;
/** The operator's view of the table: no cache, its own process in real life. */
let operator: PartnerKeys;

beforeEach(async () => {
  t = await createTestRuntime();
  handler = createCheckIdentityHandler(t.rt);
  operator = createPartnerKeys(t.rt.db, t.config.tableName, t.config.partnerKeyEncryptionKey, { cacheMs: 0 });
});

const signedBy = async (ak: string, sk: string): Promise<Answer> => post(handler, BODY, await akskHeaders(t, BODY, { ak, sk }));
const expectAccepted = (res: Answer) =>
  expect({ status: res.status, code: res.body.error_code }).toEqual({ status: 200, code: 'CBC.0000' });
const expectRefused = (res: Answer) =>
  expect({ status: res.status, code: res.body.error_code }).toEqual({ status: 401, code: 'APIG.0301' });
const afterTheCache = () => t.clock.advance(PARTNER_KEY_CACHE_MS + 1);

async function storedItem(ak = AK): Promise<Record<string, unknown> | undefined> {
  const { Item } = await t.rt.db.doc.send(
    new GetCommand({ TableName: t.config.tableName, Key: { pk: `PARTNER#${ak}`, sk: 'KEY' }, ConsistentRead: true }),
  );
  return Item;
}

describe('the partner-key store', () => {
  it('keeps one item per access key, with the secret key sealed and never in plain text', async () => {
    await operator.add(AK, SK, new Date('2026-01-02T03:04:05Z'), 'Example Partner Ltd');
    const item = await storedItem();
    expect(item).toMatchObject({ status: 'active', version: 1, createdAt: '2026-01-02T03:04:05.000Z', partnerName: 'Example Partner Ltd' });
    expect(String(item!.sealedSecret)).toMatch(/^v1\./);
    expect(JSON.stringify(item)).not.toContain(SK);
    expect(await t.rt.partnerKeys.secretOf(AK)).toBe(SK);
  });

  it('answers undefined for an unknown access key', async () => {
    expect(await t.rt.partnerKeys.secretOf('NOSUCHACCESSKEY00001')).toBeUndefined();
  });

  it('never hands out an access key twice, not even after it was revoked', async () => {
    await operator.add(AK, SK, new Date());
    await expect(operator.add(AK, NEW_SK, new Date())).rejects.toThrow(PartnerKeyStateError);
    await operator.revoke(AK, new Date());
    await expect(operator.add(AK, NEW_SK, new Date())).rejects.toThrow(PartnerKeyStateError);
  });

  it('takes an add or a rotation the SDK retried after its first attempt was applied but not answered as done, once', async () => {
    const proxy = await startFaultProxy(inject('dynamodbEndpoint'));
    try {
      const db = createDb({
        region: t.config.region,
        endpoint: proxy.endpoint,
        requestTimeoutMs: 300,
        connectTimeoutMs: 300,
        maxAttempts: 2,
      });
      const flaky = createPartnerKeys(db, t.config.tableName, t.config.partnerKeyEncryptionKey, { cacheMs: 0 });
      // The first attempt reaches DynamoDB and its answer is lost; the SDK's retry then finds the write applied.
      const loseFirstAnswer = async (operation: string, write: Promise<void>) => {
        proxy.set('hold-response', operation);
        while (proxy.seen(operation) < 1) await new Promise((r) => setTimeout(r, 5));
        proxy.set('pass');
        await write;
      };
      const ak = 'PARTNERTESTAK0000009';
      await loseFirstAnswer('PutItem', flaky.add(ak, SK, new Date(), 'Retried Ltd'));
      expect(await operator.describe(ak)).toMatchObject({ status: 'active', version: 1 });
      await loseFirstAnswer('UpdateItem', flaky.rotate(ak, NEW_SK, new Date()));
      expect(await operator.describe(ak)).toMatchObject({ status: 'active', version: 2 });
      expect(await operator.secretOf(ak)).toBe(NEW_SK);
      // Another add of the same access key is still refused.
      await expect(operator.add(ak, SK, new Date())).rejects.toThrow(PartnerKeyStateError);
    } finally {
      proxy.release();
      await proxy.close();
    }
  });

  it('rotates an active key only, and counts its versions', async () => {
    await expect(operator.rotate(AK, NEW_SK, new Date())).rejects.toThrow(PartnerKeyStateError);
    await operator.add(AK, SK, new Date());
    await operator.rotate(AK, NEW_SK, new Date('2026-02-01T00:00:00Z'));
    expect(await operator.describe(AK)).toMatchObject({ status: 'active', version: 2, rotatedAt: '2026-02-01T00:00:00.000Z' });
    expect(await operator.secretOf(AK)).toBe(NEW_SK);
    await operator.revoke(AK, new Date());
    await expect(operator.rotate(AK, SK, new Date())).rejects.toThrow(PartnerKeyStateError);
  });

  it('erases the secret key on revocation, keeps the tombstone, and revokes idempotently', async () => {
    await operator.add(AK, SK, new Date());
    await operator.revoke(AK, new Date('2026-03-01T00:00:00Z'));
    await operator.revoke(AK, new Date('2026-03-02T00:00:00Z'));
    const item = await storedItem();
    expect(item).toMatchObject({ status: 'revoked', revokedAt: '2026-03-01T00:00:00.000Z' });
    expect(item).not.toHaveProperty('sealedSecret');
    expect(await operator.secretOf(AK)).toBeUndefined();
    await expect(operator.revoke('NOSUCHACCESSKEY00001', new Date())).rejects.toThrow(PartnerKeyStateError);
  });

  it('refuses to serve a secret key that was altered in the table', async () => {
    await operator.add(AK, SK, new Date());
    const sealed = String((await storedItem())!.sealedSecret);
    const altered = `${sealed.slice(0, -2)}${sealed.endsWith('AA') ? 'BB' : 'AA'}`;
    await t.rt.db.doc.send(
      new UpdateCommand({
        TableName: t.config.tableName,
        Key: { pk: `PARTNER#${AK}`, sk: 'KEY' },
        UpdateExpression: 'SET sealedSecret = :s',
        ExpressionAttributeValues: { ':s': altered },
      }),
    );
    await expect(operator.secretOf(AK)).rejects.toThrow(PartnerKeyIntegrityError);
    // The service cannot read its own data: a 500 of the family, not the caller's fault.
    const res = await signedBy(AK, SK);
    expect({ status: res.status, code: res.body.error_code }).toEqual({ status: 500, code: 'CBC.0999' });
  });

  it('cannot open a secret key sealed under another key-encryption secret', async () => {
    await operator.add(AK, SK, new Date());
    const other = createPartnerKeys(t.rt.db, t.config.tableName, 'another-key-encryption-secret-0000000001', { cacheMs: 0 });
    await expect(other.secretOf(AK)).rejects.toThrow(PartnerKeyIntegrityError);
  });

  it('reads an access key once per cache period in a warm function, known or not, and shares concurrent reads', async () => {
    await operator.add(AK, SK, new Date());
    const counter = countRequests(t.rt.db);
    await Promise.all([t.rt.partnerKeys.secretOf(AK), t.rt.partnerKeys.secretOf(AK), t.rt.partnerKeys.secretOf('NOSUCHACCESSKEY00001')]);
    expect(counter.operations).toEqual(['GetItem', 'GetItem']);
    counter.reset();
    t.clock.advance(PARTNER_KEY_CACHE_MS - 1);
    await t.rt.partnerKeys.secretOf(AK);
    await t.rt.partnerKeys.secretOf('NOSUCHACCESSKEY00001');
    expect(counter.operations).toEqual([]);
    t.clock.advance(2);
    expect(await t.rt.partnerKeys.secretOf(AK)).toBe(SK);
    expect(counter.operations).toEqual(['GetItem']);
  });

  it('does not remember a failed read', async () => {
    await operator.add(AK, SK, new Date());
    let failNext = true;
    t.rt.db.raw.middlewareStack.add(
      (next) => async (args) => {
        if (failNext) {
          failNext = false;
          throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'failOnce' },
    );
    await expect(t.rt.partnerKeys.secretOf(AK)).rejects.toThrow('ECONNREFUSED');
    expect(await t.rt.partnerKeys.secretOf(AK)).toBe(SK);
  });
});

describe('check-identity with stored partner keys', () => {
  it('accepts a stored pair, and costs one more read per access key per cache period', async () => {
    await operator.add(AK, SK, new Date());
    const counter = countRequests(t.rt.db);
    expectAccepted(await signedBy(AK, SK));
    // the key, the lockout state, the flow-control write, the registry, the audit record
    expect(counter.operations).toEqual(['GetItem', 'GetItem', 'UpdateItem', 'GetItem', 'PutItem']);
    counter.reset();
    expectAccepted(await signedBy(AK, SK));
    expect(counter.operations).toEqual(['GetItem', 'UpdateItem', 'GetItem', 'PutItem']);
  });

  it('keeps the local pair working in the local stage without any item', async () => {
    expect(await storedItem(LOCAL_PARTNER_DEFAULTS.accessKey)).toBeUndefined();
    expectAccepted(await signedBy(LOCAL_PARTNER_DEFAULTS.accessKey, LOCAL_PARTNER_DEFAULTS.secretKey));
  });

  it('refuses the old secret key once a rotation reaches the function (within the cache period)', async () => {
    await operator.add(AK, SK, new Date());
    expectAccepted(await signedBy(AK, SK));
    await operator.rotate(AK, NEW_SK, new Date());
    // A warm function may go on trusting what it read for up to PARTNER_KEY_CACHE_MS.
    expectAccepted(await signedBy(AK, SK));
    afterTheCache();
    expectRefused(await signedBy(AK, SK));
    expectAccepted(await signedBy(AK, NEW_SK));
  });

  it('refuses a revoked access key once the revocation reaches the function', async () => {
    await operator.add(AK, SK, new Date());
    expectAccepted(await signedBy(AK, SK));
    await operator.revoke(AK, new Date());
    afterTheCache();
    expectRefused(await signedBy(AK, SK));
  });
});

describe('npm run partner-key', () => {
  const run = (args: string[], stdin?: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = execFile(
        path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
        [path.join(repoRoot, 'scripts', 'partner-key.ts'), ...args],
        {
          cwd: repoRoot,
          env: { ...process.env, STAGE: 'local', DYNAMODB_ENDPOINT: inject('dynamodbEndpoint'), TABLE_NAME: t.config.tableName },
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin?.end(stdin ?? '');
    });

  it('adds, rotates and revokes a key that check-identity then accepts or refuses', async () => {
    const added = await run(['add', AK, '--partner', 'Example Partner Ltd']);
    expect(added.code).toBe(0);
    const sk = added.stdout.trim();
    expect(sk).toMatch(/^[A-Za-z0-9]{40}$/);
    expectAccepted(await signedBy(AK, sk));

    const rotated = await run(['rotate', AK]);
    expect(rotated.code).toBe(0);
    const newSk = rotated.stdout.trim();
    expect(newSk).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(newSk).not.toBe(sk);
    afterTheCache();
    expectRefused(await signedBy(AK, sk));
    expectAccepted(await signedBy(AK, newSk));

    const revoked = await run(['revoke', AK]);
    expect(revoked.code).toBe(0);
    afterTheCache();
    expectRefused(await signedBy(AK, newSk));

    const shown = await run(['show', AK]);
    expect(JSON.parse(shown.stdout)).toMatchObject({ accessKey: AK, status: 'revoked', partnerName: 'Example Partner Ltd', version: 2 });
    for (const out of [added.stderr, rotated.stderr, revoked.stderr, shown.stdout, shown.stderr]) {
      expect(out).not.toContain(sk);
      expect(out).not.toContain(newSk);
    }
  }, 60_000);

  it('imports an existing secret key from stdin without echoing it', async () => {
    const added = await run(['add', AK, '--sk-stdin'], `${SK}\n`);
    expect(added.code).toBe(0);
    expect(added.stdout).toBe('');
    expect(added.stderr).not.toContain(SK);
    expectAccepted(await signedBy(AK, SK));
  }, 30_000);

  it('refuses what would go wrong, saying why', async () => {
    const cases: Array<[string[], string | undefined, number, string]> = [
      [['add'], undefined, 2, 'give exactly one access key'],
      [['delete', AK], undefined, 2, 'unknown command delete'],
      [['add', 'AK-with-dash'], undefined, 2, 'letters and digits'],
      [['add', AK, '--sk-stdin'], 'too-short-sk', 2, 'at least 32 characters'],
      [['revoke', AK], undefined, 1, 'is unknown'],
      [['add', LOCAL_PARTNER_DEFAULTS.accessKey], undefined, 2, 'built-in pair'],
    ];
    for (const [args, stdin, code, message] of cases) {
      const result = await run(args, stdin);
      expect({ args, code: result.code, says: result.stderr.includes(message) }).toEqual({ args, code, says: true });
    }
    expect(await storedItem()).toBeUndefined();
  }, 60_000);
});
