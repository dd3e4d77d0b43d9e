// The frame of a bench run: a work folder, its own DynamoDB Local and a local runtime at full speed, all
// gone when the run ends, and a failure printed with its stack and exit code 1.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDynamoDbLocal } from '../dev/emulator.js';
import { createLocalRuntime, type LocalRuntime } from '../dev/support/runtime.js';
import { PARTNER_REQUESTS_PER_SECOND, SMS_HOURLY_BUDGET_PER_COUNTRY } from '../shared/policy.js';

/** Runs `body` with a fresh local runtime; everything written under `workDir` is removed after. */
export function runBench(name: string, body: (local: LocalRuntime, workDir: string) => Promise<void>): void {
  const run = async () => {
    const workDir = mkdtempSync(path.join(tmpdir(), `verigate-${name}-`));
    const dynamo = await startDynamoDbLocal();
    try {
      const local = await createLocalRuntime({
        endpoint: dynamo.endpoint,
        workDir,
        // One partner and one country at full speed: the limits are still counted (their writes are
        // measured), only set above what the run sends.
        env: {
          PARTNER_REQUESTS_PER_SECOND: String(PARTNER_REQUESTS_PER_SECOND.max),
          SMS_HOURLY_BUDGET_PER_COUNTRY: String(SMS_HOURLY_BUDGET_PER_COUNTRY.max),
        },
      });
      await body(local, workDir);
    } finally {
      await dynamo.stop();
      rmSync(workDir, { recursive: true, force: true });
    }
  };
  run().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
