// The sizing of docs/operations.md "Capacity and throttles", computed from the numbers the template is built
// from (shared/operations.ts: route throttles, reserved concurrency, deliverCode's stream reading, the web
// ACL's rates) and the assumptions below. `npm run sizing` prints it; test/unit/sizing.test.ts holds the
// document equal to it, so neither can change without the other.
import { DEPLOYMENT, EDGE, HTTP_OPERATIONS, type HttpOperationName } from '../shared/operations.js';
import { PARTNER_REQUESTS_PER_SECOND } from '../shared/policy.js';

/** The loads the table is computed for: this many sends, verifies and check-identity calls a second, each. */
export const SIZING_LOADS = [100, 1_000, 5_000] as const;

/**
 * What one request takes in AWS at its 99th percentile (arm64, 512 MB, warm): check-identity and verify make
 * a few DynamoDB calls; send may wait for a CAPTCHA provider's verification; a delivery for End User
 * Messaging or SES. Reserved concurrency = rate × this.
 */
export const IN_AWS_SECONDS: Record<HttpOperationName | 'delivery', number> = {
  checkIdentity: 0.1,
  sendVerificationCode: 0.5,
  verifyVerificationCode: 0.1,
  delivery: 0.3,
};

/**
 * DynamoDB request units one request uses (on demand; items under 1 KB; a transaction's item counts twice; an
 * audit record adds a write of its index), from the requests of each operation (docs/architecture.md "DynamoDB
 * requests per operation"): check-identity with a token (the partner's count, the claim read eventually
 * consistent, the audit record), an SMS send to a number (the country's count, then a transaction of the
 * CAPTCHA pass, the address window, the destination, the audit record and the delivery request), a right
 * verify (a transaction of the requester's budget, the destination and the audit record), and its delivery
 * (the claim, then a transaction settling it with its audit record).
 */
export const REQUEST_UNITS: Record<HttpOperationName | 'delivery', { write: number; read: number }> = {
  checkIdentity: { write: 1 + 1 + 1, read: 0.5 },
  sendVerificationCode: { write: 1 + 5 * 2 + 1, read: 0 },
  verifyVerificationCode: { write: 3 * 2 + 1, read: 0 },
  delivery: { write: 1 + 2 * 2 + 1, read: 0 },
};

/** AWS's published defaults per account and region (Service Quotas). */
export const AWS_DEFAULTS = {
  /** Lambda concurrent executions; Lambda keeps 100 of them unreserved. */
  lambdaConcurrency: 1_000,
  lambdaUnreserved: 100,
  /** API Gateway requests per second over all APIs of the account in the region (burst 5,000). */
  apiGatewayRps: 10_000,
  /** DynamoDB on-demand throughput of one table, read and write request units a second. */
  tableUnits: 40_000,
  /** What a new on-demand table serves at once before it has grown (write units; reads 12,000). */
  newTableWriteUnits: 4_000,
};

const OPS = HTTP_OPERATIONS.map((o) => o.name);
const fmt = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: 1 });
const code = (name: string) => `\`${name}\``;
const PARAM_OF: Record<HttpOperationName, string> = Object.fromEntries(OPS.map((op) => [op, DEPLOYMENT[op].stageParams])) as Record<
  HttpOperationName,
  string
>;

/** Reserved concurrency a rate needs: rate × in-AWS time, rounded up. */
export const reservedFor = (op: HttpOperationName, perSecond: number) => Math.ceil(perSecond * IN_AWS_SECONDS[op]);

/** deliverCode: deliveries a second one stream shard can make, at a batch size and parallelization factor. */
export const deliveriesPerShard = (batchSize: number, parallelizationFactor: number) =>
  (batchSize * parallelizationFactor) / IN_AWS_SECONDS.delivery;

/** Everything a load of `n` of each operation a second uses. */
export function needsAt(n: number) {
  const { batchSize, parallelizationFactor } = DEPLOYMENT.deliverCode.stream;
  const reserved = Object.fromEntries(OPS.map((op) => [op, reservedFor(op, n)])) as Record<HttpOperationName, number>;
  // Every send is delivered: deliveries a second = sends a second.
  const deliverConcurrency = Math.ceil((n * IN_AWS_SECONDS.delivery) / batchSize);
  const writeUnits = [...OPS, 'delivery' as const].reduce((sum, k) => sum + n * REQUEST_UNITS[k].write, 0);
  const readUnits = [...OPS, 'delivery' as const].reduce((sum, k) => sum + n * REQUEST_UNITS[k].read, 0);
  return {
    reserved,
    streamShards: Math.ceil(n / deliveriesPerShard(batchSize, parallelizationFactor)),
    deliverConcurrency,
    lambdaConcurrency: Object.values(reserved).reduce((a, b) => a + b, 0) + deliverConcurrency + AWS_DEFAULTS.lambdaUnreserved,
    apiRequests: n * OPS.length,
    writeUnits,
    readUnits,
  };
}

/** The least load whose need is over `quota` (needs grow with the load). */
function firstOver(need: (n: number) => number, quota: number): number {
  let [low, high] = [0, 1];
  while (need(high) <= quota) [low, high] = [high, high * 2];
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (need(mid) <= quota) low = mid;
    else high = mid;
  }
  return high;
}

/** The quotas, each with its default and the load (of each operation a second) from which it binds. */
export function quotas() {
  const quota = (name: string, value: number, need: (n: number) => number) => ({ name, quota: value, need, bindsAt: firstOver(need, value) });
  return [
    quota('Lambda concurrent executions', AWS_DEFAULTS.lambdaConcurrency, (n) => needsAt(n).lambdaConcurrency),
    quota('API Gateway requests a second (account, region)', AWS_DEFAULTS.apiGatewayRps, (n) => needsAt(n).apiRequests),
    quota('DynamoDB write units a second (table)', AWS_DEFAULTS.tableUnits, (n) => needsAt(n).writeUnits),
    quota('DynamoDB write units a new table serves at once', AWS_DEFAULTS.newTableWriteUnits, (n) => needsAt(n).writeUnits),
  ];
}

/** The markdown of docs/operations.md between its sizing markers. */
export function sizingMarkdown(): string {
  const head = ['setting or quota', 'default', ...SIZING_LOADS.map((n) => `${fmt(n)} /s`)];
  const rows: string[][] = [];
  const row = (name: string, def: string, perLoad: (n: number) => string) => rows.push([name, def, ...SIZING_LOADS.map(perLoad)]);

  for (const op of OPS) {
    const { rate, burst } = DEPLOYMENT[op].throttle;
    row(`${code(`${PARAM_OF[op]}RateLimit`)} / ${code(`${PARAM_OF[op]}BurstLimit`)}`, `${fmt(rate)} / ${fmt(burst)}`, (n) => `${fmt(n)} / ${fmt(2 * n)}`);
  }
  for (const op of OPS)
    row(`${code(`${PARAM_OF[op]}ReservedConcurrency`)} (${IN_AWS_SECONDS[op] * 1000} ms each)`, fmt(DEPLOYMENT[op].reservedConcurrency), (n) =>
      fmt(reservedFor(op, n)),
    );
  const { batchSize, parallelizationFactor } = DEPLOYMENT.deliverCode.stream;
  row(
    `${code('deliveryBatchSize')} / ${code('deliveryParallelizationFactor')} (${IN_AWS_SECONDS.delivery * 1000} ms a delivery)`,
    `${batchSize} / ${parallelizationFactor}: ${fmt(Math.floor(deliveriesPerShard(batchSize, parallelizationFactor)))} deliveries /s a stream shard`,
    (n) => `the same if the stream has ≥ ${fmt(needsAt(n).streamShards)} shard(s); ${fmt(needsAt(n).deliverConcurrency)} invocations at once`,
  );
  row(`${code('wafIpRateLimit')} (per address, all routes, per ${EDGE.wafWindowSeconds} s)`, fmt(EDGE.sourceIpRate), () => 'the same: per address');
  row(`${code('sendIpRateLimit')} (per address, send, per ${EDGE.wafWindowSeconds} s)`, fmt(DEPLOYMENT.sendVerificationCode.edge.sourceIpRate), () => 'the same');
  row(
    `${code('checkIdentityTokenRateLimit')} (per partner token, per ${EDGE.wafWindowSeconds} s)`,
    `${fmt(EDGE.wafWindowSeconds * PARTNER_REQUESTS_PER_SECOND.default)} (${EDGE.wafWindowSeconds} × ${code('partnerRequestsPerSecond')})`,
    () => 'follows the partner’s rate',
  );
  row(`${code('tableMaxWriteRequestUnits')} / ${code('tableMaxReadRequestUnits')}`, 'unset (unbounded)', (n) => {
    const need = needsAt(n);
    return `unset, or ≥ ${fmt(need.writeUnits)} / ${fmt(need.readUnits)}`;
  });
  for (const q of quotas()) row(`${q.name} (binds from ${fmt(q.bindsAt)} /s)`, fmt(q.quota), (n) => fmt(q.need(n)));
  row('End User Messaging SMS: message parts a second to the country', 'per origination identity', (n) => `≥ ${fmt(n)} (1-part SMS)`);
  row('SES sending rate, if the sends are email', 'per account', (n) => `≥ ${fmt(n)} a second`);

  const atDefaults = OPS.map((op) => {
    const { rate } = DEPLOYMENT[op].throttle;
    const byConcurrency = DEPLOYMENT[op].reservedConcurrency / IN_AWS_SECONDS[op];
    return { op, limit: Math.min(rate, byConcurrency), what: rate <= byConcurrency ? 'route throttle' : 'reserved concurrency' };
  }).sort((a, b) => a.limit - b.limit)[0]!;
  const bindsFirst = (n: number) => {
    const binding = quotas()
      .filter((q) => q.bindsAt <= n)
      .sort((a, b) => a.bindsAt - b.bindsAt);
    return binding.length ? binding.map((q) => q.name).join(', then ') : 'no published default; the country’s SMS MPS if under the load';
  };
  row('**binds first**', `${atDefaults.op}’s ${atDefaults.what} (${fmt(atDefaults.limit)} /s)`, bindsFirst);

  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}
