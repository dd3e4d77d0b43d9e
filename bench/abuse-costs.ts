// npx tsx bench/abuse-costs.ts — what issue 9's defences cost, against its own DynamoDB Local:
//  1. send to a known account, an unknown one and one without the requested contact, interleaved: latency
//     and DynamoDB requests of the request path (enumeration by timing), and the delivery latency of the
//     known account's messages (send answered → message accepted by the local outbox notifier, deliverCode
//     fed by DynamoDB Local's stream every 100 ms as `npm start` does);
//  2. check-identity with per-partner flow control against the conditional ADD (one shard's) it adds;
//  3. verify, right and wrong code: requests and capacity of the per-requester budget's transactions.
// Iterations: ABUSE_BENCH_ITERATIONS (default 400), warm-up ABUSE_BENCH_WARMUP (100). Timings are of this
// machine and an emulator: compare the rows, not the milliseconds.
import './quiet.js';

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCheckIdentityHandler } from '../functions/check-identity.js';
import { createRegisterCustomerHandler } from '../functions/register-customer.js';
import { createSendVerificationCodeHandler } from '../functions/send-verification-code.js';
import { createVerifyVerificationCodeHandler } from '../functions/verify-verification-code.js';
import { startDynamoDbLocal } from '../dev/emulator.js';
import { createTable } from '../dev/table.js';
import { mintAppToken, mintCaptchaToken, mintPartnerToken } from '../scripts/tokens.js';
import { loadConfig } from '../shared/config.js';
import { compileMessages } from '../shared/messages/catalog.js';
import type { CodeMessage, Notifier } from '../shared/notify/notifier.js';
import { outboxNotifier } from '../shared/notify/outbox.js';
import { createRuntime } from '../shared/runtime.js';
import { PARTNER_REQUESTS_PER_SECOND } from '../shared/policy.js';
import { createPartnerRate } from '../shared/store/partner-rate.js';
import { attachMeter, type Usage } from '../dev/support/meter.js';
import { startLocalDelivery } from '../dev/support/delivery.js';

const ITERATIONS = Number(process.env.ABUSE_BENCH_ITERATIONS ?? 400);
const WARMUP = Number(process.env.ABUSE_BENCH_WARMUP ?? 100);

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number; body?: string }>;

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const fmt = (x: number) => x.toFixed(3);

function httpEvent(route: string, body: unknown, headers: Record<string, string>, sourceIp: string) {
  return {
    version: '2.0',
    rawPath: route,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: route, sourceIp } },
  };
}

let serial = 0;
const ip = () => `10.${(++serial >> 16) & 255}.${(serial >> 8) & 255}.${serial & 255}`;
const mobile = () => `+86139${String(++serial).padStart(8, '0')}`;

async function main() {
  // The outbox file goes here, and the folder goes at the end.
  const workDir = mkdtempSync(path.join(tmpdir(), 'verigate-abuse-bench-'));
  const dynamo = await startDynamoDbLocal();
  try {
    const tableName = 'verigate-abuse-bench';
    await createTable({ endpoint: dynamo.endpoint, tableName });
    const outboxPath = path.join(workDir, 'outbox.jsonl');
    const config = loadConfig({
      STAGE: 'local',
      DYNAMODB_ENDPOINT: dynamo.endpoint,
      TABLE_NAME: tableName,
      OUTBOX_PATH: outboxPath,
      SMS_HOURLY_BUDGET_PER_COUNTRY: '10000000',
    });
    const rt = createRuntime(config);
    const meter = attachMeter(rt.db);
    const outbox = outboxNotifier(outboxPath, compileMessages(config), () => {});
    const codes = new Map<string, string>();
    const deliveredAt = new Map<string, number>();
    const capture: Notifier = {
      deliver: async (m: CodeMessage) => {
        deliveredAt.set(m.requestId, performance.now());
        codes.set(m.to, m.code);
        return outbox.deliver(m);
      },
    };
    const register = createRegisterCustomerHandler(rt) as unknown as (e: unknown) => Promise<unknown>;
    // deliverCode on its own DynamoDB client (not metered with send's), polling the stream in the background.
    const delivery = startLocalDelivery({ config, rt, outboxPath }, { notifier: capture, intervalMs: 100 });
    const answeredAt = new Map<string, number>();

    // ---- 1. send: known vs unknown vs no contact (the request path; delivery follows from the stream) ----
    const send = createSendVerificationCodeHandler(rt) as unknown as Handler;
    const cases = ['known account', 'unknown account', 'account without the contact'] as const;
    const total = WARMUP + ITERATIONS;
    const names: Record<(typeof cases)[number], string[]> = {
      'known account': [],
      'unknown account': [],
      'account without the contact': [],
    };
    for (let i = 0; i < total; i++) {
      const known = `benchknown${i}x${serial}`;
      const noEmail = `benchnomail${i}x${serial}`;
      await register({ customerId: `k-${randomUUID()}`, name: known, mobile: mobile() });
      await register({ customerId: `n-${randomUUID()}`, name: noEmail, mobile: mobile() });
      names['known account'].push(known);
      names['unknown account'].push(`benchnobody${i}x${serial}`);
      names['account without the contact'].push(noEmail);
    }
    const events = Object.fromEntries(
      await Promise.all(
        cases.map(async (c) => [
          c,
          await Promise.all(
            names[c].map(async (user) =>
              httpEvent(
                '/v1/usg/acs/verifycode/send',
                {
                  user,
                  sendMethod: c === 'account without the contact' ? 'email' : 'sms',
                  token: await mintCaptchaToken(config, user, { expiresInSeconds: 600 }),
                },
                {},
                ip(),
              ),
            ),
          ),
        ]),
      ),
    ) as Record<(typeof cases)[number], unknown[]>;
    const latencies: Record<string, number[]> = {};
    const usage: Record<string, Usage[]> = {};
    for (let i = 0; i < total; i++) {
      // Interleaved, in a rotating order, so drift hits every case alike.
      for (let k = 0; k < cases.length; k++) {
        const c = cases[(i + k) % cases.length]!;
        meter.reset();
        const t0 = performance.now();
        const res = (await send(events[c][i], {})) as { statusCode?: number; body?: string; headers?: Record<string, string> };
        const ms = performance.now() - t0;
        if (res.statusCode !== 200) throw new Error(`${c}: ${res.statusCode} ${res.body}`);
        if (c === 'known account' && i >= WARMUP) answeredAt.set(res.headers!['x-request-id']!, t0 + ms);
        if (i >= WARMUP) {
          (latencies[c] ??= []).push(ms);
          (usage[c] ??= []).push({ ...meter.usage, operations: [...meter.usage.operations] });
        }
      }
    }
    console.log(`\n1. send under enumeration protection (${ITERATIONS} each, interleaved; delivery from the stream, off the request path)`);
    console.log('case | p50 ms | p95 ms | mean ms | DynamoDB requests');
    for (const c of cases) {
      const l = latencies[c]!;
      const ops = [...new Set(usage[c]!.map((u) => u.operations.join(' + ')))].join(' | ');
      console.log(`${c} | ${fmt(percentile(l, 50))} | ${fmt(percentile(l, 95))} | ${fmt(mean(l))} | ${ops}`);
    }
    const gap = percentile(latencies['known account']!, 50) - percentile(latencies['unknown account']!, 50);
    console.log(`known − unknown p50: ${fmt(gap)} ms (no provider call on the request path: within noise is the goal)`);
    await delivery.drain();
    const deliveryLat = [...answeredAt].flatMap(([id, at]) => (deliveredAt.has(id) ? [deliveredAt.get(id)! - at] : []));
    console.log(
      `delivery (known account, answer → outbox accepted, stream polled every 100 ms): ${deliveryLat.length}/${answeredAt.size} delivered; p50 ${fmt(percentile(deliveryLat, 50))} ms, p95 ${fmt(percentile(deliveryLat, 95))} ms, max ${fmt(Math.max(...deliveryLat))} ms`,
    );

    // ---- 2. check-identity: flow control's conditional ADD ----
    const check = createCheckIdentityHandler(
      createRuntime(
        loadConfig({ STAGE: 'local', DYNAMODB_ENDPOINT: dynamo.endpoint, TABLE_NAME: tableName, PARTNER_REQUESTS_PER_SECOND: '10000' }),
        {
          db: rt.db,
        },
      ),
    ) as unknown as Handler;
    const partner = await mintPartnerToken(config);
    const checkLat: number[] = [];
    const checkUse: Usage[] = [];
    for (let i = 0; i < total; i++) {
      const event = httpEvent(
        '/v2/partners/sub-customers/users/check-identity',
        { search_type: 'name', search_value: `benchname${i}` },
        { 'x-auth-token': partner },
        ip(),
      );
      meter.reset();
      const t0 = performance.now();
      const res = await check(event, {});
      const ms = performance.now() - t0;
      if (res.statusCode !== 200) throw new Error(`check-identity: ${res.statusCode} ${res.body}`);
      if (i >= WARMUP) {
        checkLat.push(ms);
        checkUse.push({ ...meter.usage, operations: [...meter.usage.operations] });
      }
    }
    const addLat: number[] = [];
    const partnerRate = createPartnerRate(rt.db, tableName);
    for (let i = 0; i < total; i++) {
      const t0 = performance.now();
      await partnerRate.admit('bench-partner', Date.now(), PARTNER_REQUESTS_PER_SECOND.max);
      if (i >= WARMUP) addLat.push(performance.now() - t0);
    }
    console.log(`\n2. check-identity with a token, flow control on (${ITERATIONS})`);
    console.log(`requests: ${[...new Set(checkUse.map((u) => u.operations.join(' + ')))].join(' | ')}`);
    console.log(
      `capacity per call: RRU ${fmt(mean(checkUse.map((u) => u.readUnits)))}, WRU ${fmt(mean(checkUse.map((u) => u.writeUnits)))}`,
    );
    console.log(`p50 ${fmt(percentile(checkLat, 50))} ms; the partner rate's admit alone: p50 ${fmt(percentile(addLat, 50))} ms`);

    // ---- 3. verify: the requester's budget in the transactions ----
    const sendQuiet = send;
    const verify = createVerifyVerificationCodeHandler(rt) as unknown as Handler;
    const app = await mintAppToken(config);
    for (const [label, submit, want] of [
      ['right code', (c: string) => c, 200],
      ['wrong code', (c: string) => (c === '000000' ? '000001' : '000000'), 400],
    ] as const) {
      const lat: number[] = [];
      const use: Usage[] = [];
      for (let i = 0; i < total; i++) {
        const to = mobile();
        await sendQuiet({ user: to }, {});
        await delivery.drain();
        const event = httpEvent(
          '/v1/usg/dcs/member/verification-code/verify',
          { contact: to, verificationCode: submit(codes.get(to)!) },
          { 'x-access-token': app },
          ip(),
        );
        meter.reset();
        const t0 = performance.now();
        const res = await verify(event, {});
        const ms = performance.now() - t0;
        if (res.statusCode !== want) throw new Error(`verify ${label}: ${res.statusCode} ${res.body}`);
        if (i >= WARMUP) {
          lat.push(ms);
          use.push({ ...meter.usage, operations: [...meter.usage.operations] });
        }
      }
      console.log(`\n3. verify, ${label} (${ITERATIONS})`);
      console.log(`requests: ${[...new Set(use.map((u) => u.operations.join(' + ')))].join(' | ')}`);
      console.log(
        `capacity per call: WRU ${fmt(mean(use.map((u) => u.writeUnits)))} reported + ${fmt(mean(use.map((u) => u.estimatedWriteUnits)))} for failed conditions; p50 ${fmt(percentile(lat, 50))} ms`,
      );
    }
    await delivery.stop();
  } finally {
    await dynamo.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
