// npx tsx bench/profile.ts [scenario] — where one scenario's time goes, in process against its own DynamoDB
// Local: each call split into the DynamoDB round trip (the SDK's HTTP handler, request out to response
// headers in) and the rest (our code, the SDK's middleware, parsing the answer), beside the same split for
// the floor shapes; then a CPU profile (node:inspector) of the measured calls, self time by function and by
// module; then (cpu) the same calls with every DynamoDB request answered in process, and their profile: the CPU
// of our code and the SDK alone. `items`: the scenario's own transaction, captured once and replayed bare on
// fresh keys, as it is and with each item in turn (then all) replaced by a plain one of the floor: what
// DynamoDB Local spends on each item's expressions and attributes. Scenario: a name from bench/scenarios.ts
// (default send). `phases`: where a send spends its time, from marks around its parts. PROFILE_ITERATIONS (500),
// PROFILE_WARMUP (200), PROFILE_PARTS (split,phases,items,profile,cpu).
import './quiet.js';

import { Session } from 'node:inspector/promises';
import { Readable } from 'node:stream';
import { TransactWriteItemsCommand, type TransactWriteItemsInput } from '@aws-sdk/client-dynamodb';
import type { LocalRuntime } from '../dev/support/runtime.js';
import { runBench } from './run.js';
import type { Db } from '../shared/store/client.js';
import { floorShapes } from './floors.js';
import { median, round } from './measure.js';
import { scenariosOf } from './scenarios.js';

const iterations = Number(process.env.PROFILE_ITERATIONS ?? 500);
const warmup = Number(process.env.PROFILE_WARMUP ?? 200);
const scenarioName = process.argv[2] ?? 'send';
const parts = new Set((process.env.PROFILE_PARTS ?? 'split,phases,items,profile,cpu').split(','));

interface CpuProfileNode {
  id: number;
  children?: number[];
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** An empty success, as DynamoDB answers a write that returns nothing. */
const emptySuccess = async () => ({
  response: { statusCode: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Readable.from([Buffer.from('{}')]) },
});

/**
 * Times every HTTP exchange of `db`'s client: the round trip as DynamoDB Local answers it. After
 * `answerInProcess()`, every request is answered at once with an empty success instead (no socket, no
 * DynamoDB): what is left of a call is the CPU of our code and of the SDK.
 */
function timeRoundTrips(db: Db): { take(): number[]; answerInProcess(): void; lastTransaction(): string | undefined } {
  const handler = db.raw.config.requestHandler as { handle: (...a: unknown[]) => Promise<unknown> };
  let handle: (...a: unknown[]) => Promise<unknown> = handler.handle.bind(handler);
  let times: number[] = [];
  let transaction: string | undefined;
  handler.handle = async (...a: unknown[]) => {
    const request = a[0] as { headers: Record<string, string>; body?: unknown };
    if (request.headers['x-amz-target']?.endsWith('.TransactWriteItems'))
      transaction = request.body instanceof Uint8Array ? new TextDecoder().decode(request.body) : String(request.body);
    const t0 = performance.now();
    try {
      return await handle(...a);
    } finally {
      times.push(performance.now() - t0);
    }
  };
  return {
    lastTransaction: () => transaction,
    answerInProcess: () => void (handle = emptySuccess),
    take: () => {
      const t = times;
      times = [];
      return t;
    },
  };
}

/** When the last call reached each phase (performance.now()), set by wrappers around the runtime's parts. */
interface Marks {
  captchaIn: number;
  captchaOut: number;
  issueIn: number;
  docIn: number;
  httpIn: number;
  httpOut: number;
}

/**
 * Wraps the parts a send passes through (CAPTCHA verifier, code sends, document client, HTTP handler)
 * to mark when each is reached; installed before the handlers are built, which read them once.
 */
function markPhases(rt: LocalRuntime['rt']): Marks {
  const marks: Marks = { captchaIn: 0, captchaOut: 0, issueIn: 0, docIn: 0, httpIn: 0, httpOut: 0 };
  const parts = rt as unknown as Record<string, unknown> & { sends?: { issue: (...a: unknown[]) => unknown } };
  const captcha = parts.captcha as { verify: (...a: unknown[]) => Promise<unknown> } | undefined;
  if (captcha) {
    const verify = captcha.verify;
    captcha.verify = async (...a: unknown[]) => {
      marks.captchaIn = performance.now();
      try {
        return await verify(...a);
      } finally {
        marks.captchaOut = performance.now();
      }
    };
  }
  const sends = parts.sends;
  if (sends) {
    const issue = sends.issue.bind(sends);
    sends.issue = (...a: unknown[]) => {
      marks.issueIn = performance.now();
      return issue(...a);
    };
  }
  const doc = rt.db.doc as unknown as { send: (...a: unknown[]) => unknown };
  const send = doc.send;
  doc.send = (...a: unknown[]) => {
    marks.docIn = performance.now();
    return send(...a);
  };
  const handler = rt.db.raw.config.requestHandler as { handle: (...a: unknown[]) => Promise<unknown> };
  const handle = handler.handle.bind(handler);
  handler.handle = async (...a: unknown[]) => {
    marks.httpIn = performance.now();
    try {
      return await handle(...a);
    } finally {
      marks.httpOut = performance.now();
    }
  };
  return marks;
}

type Call = (i: number) => Promise<unknown>;

/**
 * Runs the calls round-robin, one at a time (so DynamoDB Local's warming and any drift fall on all of
 * them alike); per call: p50 of the whole, of its round trips (summed), and of the rest.
 */
async function split(
  calls: Record<string, Call>,
  trips: { take(): number[] },
): Promise<Record<string, { p50: number; roundTrip: number; rest: number }>> {
  const samples = Object.fromEntries(
    Object.keys(calls).map((k) => [k, { whole: [] as number[], rt: [] as number[], rest: [] as number[] }]),
  );
  for (let i = 0; i < warmup + iterations; i++) {
    for (const [name, call] of Object.entries(calls)) {
      trips.take();
      const t0 = performance.now();
      await call(i);
      const ms = performance.now() - t0;
      const r = trips.take().reduce((a, b) => a + b, 0);
      if (i < warmup) continue;
      samples[name]!.whole.push(ms);
      samples[name]!.rt.push(r);
      samples[name]!.rest.push(ms - r);
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([k, v]) => [
      k,
      { p50: round(median(v.whole), 3), roundTrip: round(median(v.rt), 3), rest: round(median(v.rest), 3) },
    ]),
  );
}

/** A CPU profile of `n` calls, one at a time. */
async function profileOf(call: Call, n: number): Promise<{ profile: CpuProfile; wallMs: number }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await call(i);
  const wallMs = performance.now() - t0;
  const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile };
  session.disconnect();
  return { profile, wallMs };
}

const moduleOf = (url: string): string => {
  if (!url) return '(native)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + 'node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  if (url.startsWith('node:')) return url;
  const i = url.indexOf('/wt-');
  return i >= 0 ? url.slice(url.indexOf('/', i + 1) + 1) : url;
};

/** Self time (ms) per key over the profile, largest first. */
function selfTimes(p: CpuProfile, keyOf: (n: CpuProfileNode) => string): Array<[string, number]> {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const k = keyOf(byId.get(p.samples[i]!)!);
    totals.set(k, (totals.get(k) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

/**
 * Time per key including what it calls (synchronously: the profiler keeps no async stacks), each
 * sample counted once per key on its stack.
 */
function inclusiveTimes(p: CpuProfile, keyOf: (n: CpuProfileNode) => string | undefined): Array<[string, number]> {
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const totals = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const seen = new Set<string>();
    for (let id: number | undefined = p.samples[i]; id !== undefined; id = parent.get(id)) {
      const k = keyOf(byId.get(id)!);
      if (k !== undefined && !seen.has(k)) {
        seen.add(k);
        totals.set(k, (totals.get(k) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
      }
    }
  }
  return [...totals].sort((a, b) => b[1] - a[1]);
}

runBench('profile', async (local) => {
  const marks = markPhases(local.rt);
  const trips = timeRoundTrips(local.rt.db);
  const shapes = await floorShapes(local.rt.db, local.config.tableName);
  const scenario = (await scenariosOf(local)).find((s) => s.name === scenarioName);
  if (!scenario) throw new Error(`no scenario ${scenarioName}`);
  const onEvents = async (offset: number): Promise<Call> => {
    const events = await scenario.prepare(warmup + iterations);
    return (i) => scenario.run(events[i - offset]);
  };
  const lines: string[] = [];
  const perCall = (ms: number) => `${round(ms / iterations, 3)}`;
  const top = (rows: Array<[string, number]>, n: number) => rows.slice(0, n).map(([k, ms]) => `  ${perCall(ms).padEnd(7)} ${k}`);
  const fn = (n: CpuProfileNode) =>
    `${n.callFrame.functionName || '(anonymous)'} ${moduleOf(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  const busyFunctions = (p: CpuProfile) => selfTimes(p, fn).filter(([k]) => !k.startsWith('(idle)'));
  // Native frames by their own name: (idle), (garbage collector), writev (the socket write), ...
  const byModule = (p: CpuProfile) =>
    new Map(selfTimes(p, (n) => (n.callFrame.url ? moduleOf(n.callFrame.url) : n.callFrame.functionName)));
  const idleOf = (p: CpuProfile) => selfTimes(p, (n) => n.callFrame.functionName).find(([k]) => k === '(idle)')?.[1] ?? 0;
  let fresh = 0; // floor keys used so far
  const floorCall = (): Call => {
    const base = fresh;
    fresh += warmup + iterations;
    return (i) => shapes.sendShape(base + i);
  };

  if (parts.has('split')) {
    // Floors and the scenario against DynamoDB Local: round trip vs the rest.
    const splits = await split(
      {
        transaction4: shapes.transaction4,
        sendShape: floorCall(),
        sendShapeIpWindow: shapes.sendShapeIpWindow,
        [scenarioName]: await onEvents(0),
      },
      trips,
    );
    lines.push('against DynamoDB Local, one call at a time, round-robin:');
    for (const [name, s] of Object.entries(splits))
      lines.push(`  ${name.padEnd(18)} p50 ${s.p50} ms = round trip ${s.roundTrip} + rest ${s.rest}`);
  }

  if (parts.has('phases')) {
    // Where a call spends its time before, in and after its round trip, beside the floor's (send's parts only).
    const phases: Record<string, number[]> = {};
    const add = (name: string, ms: number) => (phases[name] ??= []).push(ms);
    const events = await onEvents(0);
    const floor = floorCall();
    for (let i = 0; i < warmup + iterations; i++) {
      let t0 = performance.now();
      await events(i);
      let t1 = performance.now();
      const m = { ...marks };
      if (i >= warmup) {
        add(`${scenarioName}: start → CAPTCHA check (middlewares, body, input, user)`, m.captchaIn - t0);
        add(`${scenarioName}: CAPTCHA check (jose)`, m.captchaOut - m.captchaIn);
        add(`${scenarioName}: CAPTCHA → store (hashes, code, masks)`, m.issueIn - m.captchaOut);
        add(`${scenarioName}: store → document client (items, seal)`, m.docIn - m.issueIn);
        add(`${scenarioName}: document client → HTTP (SDK: marshal, serialize, sign)`, m.httpIn - m.docIn);
        add(`${scenarioName}: round trip`, m.httpOut - m.httpIn);
        add(`${scenarioName}: after (SDK answer, middlewares)`, t1 - m.httpOut);
        add(`${scenarioName}: whole`, t1 - t0);
      }
      t0 = performance.now();
      await floor(i);
      t1 = performance.now();
      if (i >= warmup) {
        add('floor sendShape: document client → HTTP', marks.httpIn - marks.docIn);
        add('floor sendShape: round trip', marks.httpOut - marks.httpIn);
        add('floor sendShape: after', t1 - marks.httpOut);
        add('floor sendShape: whole', t1 - t0);
      }
    }
    lines.push('', `phases, p50 ms (${scenarioName} and the floor alternating):`);
    for (const [name, ms] of Object.entries(phases)) lines.push(`  ${String(round(median(ms), 3)).padEnd(7)} ${name}`);
  }

  if (parts.has('items')) {
    // The scenario's transaction as it went out, replayed bare (low-level client, no middleware of ours).
    const events = await onEvents(0);
    await events(0);
    const body = trips.lastTransaction();
    if (!body) throw new Error(`${scenarioName} sent no TransactWriteItems`);
    const sent = JSON.parse(body) as TransactWriteItemsInput & { ClientRequestToken?: string };
    delete sent.ClientRequestToken;
    type Element = NonNullable<TransactWriteItemsInput['TransactItems']>[number];
    const keyOf = (e: Element) => (e.Put ? { pk: e.Put.Item!.pk!, sk: e.Put.Item!.sk! } : (e.Update ?? e.ConditionCheck ?? e.Delete)!.Key!);
    const kindOf = (e: Element) => `${Object.keys(e)[0]} ${String(keyOf(e).pk!.S).split('#')[0]}`;
    const items = sent.TransactItems!;
    // Fresh keys per call (`v` tells the variants apart), the shared hourly SMS item included.
    const on = (i: number, v: string, replace: (e: Element, k: number) => Element = (e) => e) => {
      const copy = structuredClone(items).map((e, k) => replace(e, k));
      for (const e of copy) {
        const key = e.Put ? e.Put.Item! : keyOf(e);
        key.pk = { S: `${key.pk!.S}#${v}${i}` };
      }
      return local.rt.db.raw.send(new TransactWriteItemsCommand({ ...sent, TransactItems: copy }));
    };
    const plain = (e: Element): Element => {
      const { pk, sk } = keyOf(e);
      const TableName = local.config.tableName;
      return e.Put
        ? { Put: { TableName, Item: { pk: pk!, sk: sk! }, ConditionExpression: 'attribute_not_exists(pk)' } }
        : {
            Update: {
              TableName,
              Key: { pk: pk!, sk: sk! },
              UpdateExpression: 'SET c = :one',
              ConditionExpression: 'attribute_not_exists(c) OR c < :one',
              ExpressionAttributeValues: { ':one': { N: '1' } },
            },
          };
    };
    const calls: Record<string, Call> = { 'as sent': (i) => on(i, 'a') };
    items.forEach((e, k) => (calls[`${kindOf(e)} plain`] = (i) => on(i, `p${k}-`, (x, j) => (j === k ? plain(x) : x))));
    calls['all plain'] = (i) => on(i, 'z', plain);
    const replays = await split(calls, trips);
    lines.push('', `${scenarioName}'s transaction (${body.length} bytes) replayed bare on fresh keys, p50 ms:`);
    for (const [name, r] of Object.entries(replays)) lines.push(`  ${String(r.p50).padEnd(7)} ${name}`);
  }

  if (parts.has('profile')) {
    // CPU profiles of the floor of send's shape and of the scenario, against DynamoDB Local, after a warm-up.
    const floor = floorCall();
    const scenarioCall = await onEvents(0);
    for (let i = 0; i < warmup; i++) await scenarioCall(i);
    const floorProfile = await profileOf((i) => floor(warmup + i), iterations);
    const { profile, wallMs } = await profileOf((i) => scenarioCall(warmup + i), iterations);
    lines.push(
      '',
      `CPU profiles against DynamoDB Local, ${iterations} calls each, ms per call: floor sendShape ${perCall(floorProfile.wallMs)} wall, ` +
        `${perCall(floorProfile.wallMs - idleOf(floorProfile.profile))} busy; ${scenarioName} ${perCall(wallMs)} wall, ${perCall(wallMs - idleOf(profile))} busy`,
    );
    const floorModules = byModule(floorProfile.profile);
    lines.push(`self time by module, ms per call: ${scenarioName} | floor sendShape | difference`);
    for (const [k, ms] of [...byModule(profile)].filter(([k]) => k !== '(idle)').slice(0, 30)) {
      const f = floorModules.get(k) ?? 0;
      lines.push(`  ${perCall(ms).padEnd(7)} | ${perCall(f).padEnd(7)} | ${perCall(ms - f).padEnd(7)} ${k}`);
    }
    lines.push(`${scenarioName}, self time by function, ms per call:`, ...top(busyFunctions(profile), 40));
    lines.push(
      `${scenarioName}, inclusive time (synchronous callees only: no async stacks) of functions of ours and of middleware packages:`,
    );
    lines.push(
      ...top(
        inclusiveTimes(profile, (n) => {
          const m = moduleOf(n.callFrame.url);
          const ours =
            m.startsWith('shared/') || m.startsWith('functions/') || m.startsWith('@middy') || m.startsWith('@aws-lambda-powertools');
          return ours ? fn(n) : undefined;
        }),
        40,
      ),
    );
  }

  if (parts.has('cpu')) {
    // The same calls with DynamoDB answered in process: the CPU a call costs this process, alone.
    // The scenario's events are prepared first: preparing some (verify's pending codes) needs the real DynamoDB.
    const scenarioCall = await onEvents(0);
    trips.answerInProcess();
    const cpuOnly = await split({ sendShape: floorCall(), [scenarioName]: scenarioCall }, trips);
    lines.push(
      '',
      `every DynamoDB request answered in process (no socket, no DynamoDB): floor sendShape p50 ${cpuOnly.sendShape!.p50} ms, ` +
        `${scenarioName} p50 ${cpuOnly[scenarioName]!.p50} ms`,
    );
    // CPU time (user + system) per call, which others' load on the machine stretches less than wall time.
    const cpuPerCall = async (call: Call): Promise<number> => {
      for (let i = 0; i < warmup; i++) await call(i);
      const c0 = process.cpuUsage();
      for (let i = warmup; i < warmup + iterations; i++) await call(i);
      const c = process.cpuUsage(c0);
      return round((c.user + c.system) / 1000 / iterations, 3);
    };
    const floorCpu = await cpuPerCall(floorCall());
    const scenarioCpu = await cpuPerCall(await onEvents(0));
    lines.push(`  CPU time per call (user + system, mean): floor sendShape ${floorCpu} ms, ${scenarioName} ${scenarioCpu} ms`);
    const cpuCall = await onEvents(0);
    for (let i = 0; i < warmup; i++) await cpuCall(i);
    const cpu = await profileOf((i) => cpuCall(warmup + i), iterations);
    lines.push(
      `${scenarioName}, DynamoDB answered in process, self time by function, ms per call (${perCall(cpu.wallMs)} wall, profiler on):`,
    );
    lines.push(...top(busyFunctions(cpu.profile), 40));
    lines.push(
      '  by module:',
      ...top(
        [...byModule(cpu.profile)].filter(([k]) => k !== '(idle)'),
        30,
      ),
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
});
