// The (AK, source) lockout when the write that sets the lock is lost: the next failure must still lock,
// or a pair whose fifth lock write failed could be guessed at without limit.
import { beforeEach, describe, expect, it } from 'vitest';
import { AK_FAILURES_BEFORE_LOCK } from '../../shared/policy.js';
import { createAccessKeyLockouts } from '../../shared/store/access-key-lockouts.js';
import { createDb } from '../../shared/store/client.js';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';

let t: TestRuntime;
beforeEach(async () => {
  t = await createTestRuntime();
});

describe('an (AK, source) pair whose lock write was lost', () => {
  it('is locked by the next failure', async () => {
    const db = createDb({ region: t.config.region, endpoint: t.config.dynamodbEndpoint, requestTimeoutMs: 2000, connectTimeoutMs: 1000 });
    // The first lock write is lost on the way (a fault DynamoDB Local cannot produce): it never reaches the table.
    let lockWrites = 0;
    db.raw.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { UpdateExpression?: string };
        if (input.UpdateExpression?.includes('lockedUntil = :until') && ++lockWrites === 1) {
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'loseFirstLockWrite' },
    );
    const lockouts = createAccessKeyLockouts(db, t.config.tableName);
    const pair = { accessKey: 'VGTESTAK0001', sourceHash: 'source-a' };
    const now = Date.now();

    for (let i = 1; i < AK_FAILURES_BEFORE_LOCK; i++) await lockouts.recordFailure(pair, now);
    await expect(lockouts.recordFailure(pair, now)).rejects.toMatchObject({ code: 'ECONNRESET' });
    expect((await lockouts.state(pair)).lockedUntil).toBeLessThanOrEqual(now);

    await lockouts.recordFailure(pair, now + 1);
    expect((await lockouts.state(pair)).lockedUntil).toBeGreaterThan(now);
  });
});
