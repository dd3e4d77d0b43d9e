// The sizing table of docs/operations.md is `npm run sizing`'s output, computed from the declarations the
// template is built from (shared/operations.ts; test/unit/template.test.ts holds the template to them).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEPLOYMENT, HTTP_OPERATIONS } from '../../shared/operations.js';
import { AWS_DEFAULTS, deliveriesPerShard, IN_AWS_SECONDS, needsAt, quotas, reservedFor, sizingMarkdown, SIZING_LOADS } from '../../scripts/capacity.js';

const doc = () => readFile(path.join(import.meta.dirname, '..', '..', 'docs', 'operations.md'), 'utf8');

describe('the sizing of docs/operations.md', () => {
  it('is exactly what npm run sizing prints', async () => {
    const between = (await doc()).match(/<!-- sizing:start \(npm run sizing\) -->\n([\s\S]*?)\n<!-- sizing:end -->/);
    expect(between, 'the sizing markers in docs/operations.md').not.toBeNull();
    expect(between![1]).toBe(sizingMarkdown());
  });

  it("shows every route's declared throttle and reserved concurrency as its default", () => {
    const table = sizingMarkdown();
    for (const o of HTTP_OPERATIONS) {
      const { stageParams, throttle, reservedConcurrency } = DEPLOYMENT[o.name];
      expect(table).toContain(`| \`${stageParams}RateLimit\` / \`${stageParams}BurstLimit\` | ${throttle.rate} / ${throttle.burst} |`);
      expect(table).toMatch(new RegExp(`\\| \`${stageParams}ReservedConcurrency\` \\([^)]*\\) \\| ${reservedConcurrency} \\|`));
    }
  });

  it('reserves rate × time in AWS, rounded up, and counts every reservation, the deliveries and the unreserved 100 against the account', () => {
    expect(reservedFor('sendVerificationCode', 1_000)).toBe(Math.ceil(1_000 * IN_AWS_SECONDS.sendVerificationCode));
    const n = 1_000;
    const need = needsAt(n);
    const reserved = HTTP_OPERATIONS.reduce((sum, o) => sum + reservedFor(o.name, n), 0);
    expect(need.lambdaConcurrency).toBe(reserved + need.deliverConcurrency + AWS_DEFAULTS.lambdaUnreserved);
    const { batchSize, parallelizationFactor } = DEPLOYMENT.deliverCode.stream;
    expect(need.streamShards).toBe(Math.ceil(n / deliveriesPerShard(batchSize, parallelizationFactor)));
  });

  it('has each quota bind where the load it uses reaches its default', () => {
    for (const q of quotas()) {
      expect(q.need(q.bindsAt - 1), q.name).toBeLessThanOrEqual(q.quota);
      expect(q.need(q.bindsAt), q.name).toBeGreaterThan(q.quota);
    }
    expect(SIZING_LOADS.length).toBeGreaterThanOrEqual(3);
  });
});
