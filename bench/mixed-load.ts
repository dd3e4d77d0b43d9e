// The mixed load (issue 17): sends (SMS to a pool of numbers, email to fresh addresses whose codes are then
// verified), verifies with the right code (some submitted twice at once) and with wrong ones, check-identity
// calls from several partners (one of them over its rate), and registrations (some replayed, some on a
// taken name, mobile numbers from a small pool so their slots run out), from `concurrency` workers for
// `seconds`, each request from a source address of a pool in 127.0.0.0/8. The real handlers run in this
// process on a local runtime of their own (limits as configured below), deliverCode from the table's stream.
// Afterwards it checks, from the audit records, the outbox (the local delivery port's file) and the answers: no 5xx; one audit
// record per request; no destination over its cooldown or daily cap, no address over its hourly sends, no
// country over its country budget, one message per accepted send; no destination over 5 judged attempts a
// minute, no requester over its failures, one success per code; no partner over its rate in any second;
// no mobile number on more customers than allowed.
import { randomInt, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { startLocalDelivery } from '../dev/support/delivery.js';
import { httpEvent } from '../dev/support/events.js';
import type { OutboxMessage } from '../dev/support/outbox.js';
import { uniqueEmail, uniqueMobile, uniqueName } from '../dev/support/identities.js';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createLocalRuntime } from '../dev/support/runtime.js';
import type { Config } from '../shared/config.js';
import { createRuntime, type Runtime } from '../shared/runtime.js';
import { createDb, type Db } from '../shared/store/client.js';
import { createCheckIdentityHandler } from '../functions/check-identity.js';
import { createRegisterCustomerHandler } from '../functions/register-customer.js';
import { createSendVerificationCodeHandler } from '../functions/send-verification-code.js';
import { createVerifyVerificationCodeHandler } from '../functions/verify-verification-code.js';
import { mintAppToken, mintCaptchaToken, mintPartnerToken } from '../scripts/tokens.js';
import type { CodeMessage, Notifier } from '../shared/notify/notifier.js';
import { logger } from '../shared/observability.js';
import { OPERATIONS } from '../shared/operations.js';
import {
  SEND_COOLDOWN,
  SEND_DAILY_CAP,
  SEND_PER_SOURCE_IP,
  COUNTRY_BUDGET_PERIOD_MS,
  VERIFY_ATTEMPTS,
  VERIFY_FAILURES_PER_REQUESTER,
} from '../shared/policy.js';
import { AUDIT_KIND } from './cost.js';
import { round, stats, type Stats } from './measure.js';

export interface MixedLoadSettings {
  seconds: number;
  concurrency: number;
  /** Partners calling check-identity; the first makes half the calls. */
  partners: number;
  /** PARTNER_REQUESTS_PER_SECOND of the run. */
  partnerRate: number;
  /** SMS_HOURLY_BUDGET_PER_COUNTRY of the run. */
  countryBudget: number;
  /** DDB_REQUEST_TIMEOUT_MS and DDB_CONNECT_TIMEOUT_MS of the run. */
  dynamodbAttemptMs: number;
}

export const KINDS = ['send-sms', 'send-email', 'verify-right', 'verify-wrong', 'check-identity', 'register'] as const;
type Kind = (typeof KINDS)[number];
/** Shares of the requests the workers pick (verify-right and verify-wrong fall back to check-identity when no code is waiting). */
const WEIGHTS: Record<Kind, number> = {
  'send-sms': 15,
  'send-email': 15,
  'verify-right': 12,
  'verify-wrong': 8,
  'check-identity': 40,
  register: 10,
};

/**
 * Pools the load draws from, so limits bind: SMS numbers get resends inside a minute and half the SMS come
 * from one address; codes to verify go to fresh email addresses, from many addresses.
 */
const POOLS = { smsNumbers: 300, smsAddresses: 40, emailAddresses: 2000, registryMobiles: 40 };

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface MixedLoadResult {
  settings: MixedLoadSettings;
  wallSeconds: number;
  requests: number;
  throughput: number;
  overall: Stats;
  byKind: Array<{ kind: string; requests: number; statuses: Record<string, number>; stats: Stats }>;
  deliveries: number;
  invariants: Invariant[];
  /** What the functions logged as errors during the run (name and message, first few of each). */
  errors: string[];
}

interface Answered {
  kind: Kind;
  /** The platform's request id (Lambda's awsRequestId): the audit record's key. */
  requestId: string;
  status: number;
  code: string;
  ms: number;
  startedAt: number;
  detail?: Record<string, string>;
}

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode?: number; body?: string }>;

const addressOf = (i: number) => `127.${1 + ((i >> 16) & 0xff)}.${(i >> 8) & 0xff}.${1 + (i & 0x7f)}`;
const pickOf = <T>(xs: readonly T[]): T => xs[randomInt(xs.length)]!;
const errorCodeOf = (body: string | undefined): string => {
  try {
    return String((JSON.parse(body ?? '{}') as { error_code?: string }).error_code ?? '');
  } catch {
    return '';
  }
};

export async function runMixedLoad(endpoint: string, workDir: string, s: MixedLoadSettings): Promise<MixedLoadResult> {
  const local = await createLocalRuntime({
    endpoint,
    workDir,
    env: {
      PARTNER_REQUESTS_PER_SECOND: String(s.partnerRate),
      SMS_HOURLY_BUDGET_PER_COUNTRY: String(s.countryBudget),
      // One DynamoDB attempt (and its connection) may take this long: DynamoDB Local, which runs transactions
      // one at a time, serves 64 callers at once on the machine's shared cores, far slower than the 1 s (0.5 s
      // to connect) the service allows DynamoDB itself. The request's time budget still holds.
      DDB_REQUEST_TIMEOUT_MS: String(s.dynamodbAttemptMs),
      DDB_CONNECT_TIMEOUT_MS: String(s.dynamodbAttemptMs),
    },
  });
  const { rt, config } = local;
  // Codes go through the local delivery port (the outbox file the checks read). Email codes wait to be
  // verified; one in four only ever meets wrong codes, so attempt windows and failure budgets fill.
  const waiting: Array<{ to: string; code: string }> = [];
  const guessedAt: Array<{ to: string; code: string }> = [];
  const intoOutbox = (outbox: Notifier): Notifier => ({
    deliver: async (m: CodeMessage) => {
      const accepted = await outbox.deliver(m);
      if (m.channel === 'email') (randomInt(4) === 0 ? guessedAt : waiting).push({ to: m.to, code: m.code });
      return accepted;
    },
  });
  // deliverCode failing a batch is retried as Lambda retries it; the dev poller failing to read the
  // emulator's stream reads again from the same place on its next pass. Both are counted and said.
  const problems: string[] = [];
  let unreadPasses = 0;
  // The stream polled four times a second, as Lambda polls a stream's shards.
  const delivery = startLocalDelivery(local, {
    notifier: intoOutbox,
    intervalMs: 250,
    onProblem: (m) => (m.startsWith('polling the stream failed') ? unreadPasses++ : problems.push(m)),
  });
  const check = createCheckIdentityHandler(rt) as Handler;
  const send = createSendVerificationCodeHandler(rt) as Handler;
  const verify = createVerifyVerificationCodeHandler(rt) as Handler;
  const register = createRegisterCustomerHandler(rt) as unknown as (event: unknown, context: unknown) => Promise<{ status?: string }>;
  const partners = await Promise.all(
    Array.from({ length: s.partners }, (_, i) => mintPartnerToken(config, 'solution_provider', { subject: `bench-partner-${i}` })),
  );
  const appToken = await mintAppToken(config, { subject: 'bench-app' });
  const smsNumbers = Array.from({ length: POOLS.smsNumbers }, () => uniqueMobile().e164);
  const registryMobiles = Array.from({ length: POOLS.registryMobiles }, () => uniqueMobile().e164);
  const registered: Array<{ customerId: string; name: string; email: string; mobile: string }> = [];
  const answers: Answered[] = [];

  const call = async (kind: Kind, handler: Handler, event: unknown, detail?: Record<string, string>): Promise<Answered> => {
    const requestId = randomUUID();
    const startedAt = Date.now();
    const t0 = performance.now();
    const res = await handler(event, { awsRequestId: requestId, functionName: `verigate-local-${kind}` });
    const a: Answered = {
      kind,
      requestId,
      status: res.statusCode ?? 0,
      code: errorCodeOf(res.body),
      ms: performance.now() - t0,
      startedAt,
      ...(detail ? { detail } : {}),
    };
    answers.push(a);
    return a;
  };

  const requests: Record<Kind, () => Promise<unknown>> = {
    'send-sms': async () => {
      const user = pickOf(smsNumbers);
      const event = httpEvent(
        OPERATIONS.sendVerificationCode.route.path,
        { user, token: await mintCaptchaToken(config, user) },
        {},
        // Half of them from one address, which passes its 30 sends an hour in a full run.
        addressOf(randomInt(2) === 0 ? 0 : 1 + randomInt(POOLS.smsAddresses)),
      );
      return call('send-sms', send, event);
    },
    'send-email': async () => {
      const user = uniqueEmail();
      const event = httpEvent(
        OPERATIONS.sendVerificationCode.route.path,
        { user, token: await mintCaptchaToken(config, user) },
        {},
        addressOf(1 + POOLS.smsAddresses + randomInt(POOLS.emailAddresses)),
      );
      return call('send-email', send, event);
    },
    'verify-right': async () => {
      const pending = waiting.splice(randomInt(Math.max(1, waiting.length)), 1)[0];
      if (!pending) return requests['check-identity']();
      const event = () =>
        httpEvent(
          OPERATIONS.verifyVerificationCode.route.path,
          { contact: pending.to, verificationCode: pending.code },
          { 'x-access-token': appToken },
          addressOf(10_000 + randomInt(1000)),
        );
      // One code in ten submitted twice at once: exactly one of the two may succeed.
      if (randomInt(10) === 0)
        return Promise.all([1, 2].map(() => call('verify-right', verify, event(), { to: pending.to, twice: 'yes' })));
      return call('verify-right', verify, event(), { to: pending.to });
    },
    'verify-wrong': async () => {
      const pending = guessedAt.length ? pickOf(guessedAt) : undefined;
      if (!pending) return requests['check-identity']();
      const wrong = pending.code === '000000' ? '000001' : '000000';
      const event = httpEvent(
        OPERATIONS.verifyVerificationCode.route.path,
        { contact: pending.to, verificationCode: wrong },
        { 'x-access-token': appToken },
        addressOf(20_000 + randomInt(20)),
      );
      return call('verify-wrong', verify, event, { to: pending.to });
    },
    'check-identity': async () => {
      const partner = randomInt(2) === 0 ? partners[0]! : pickOf(partners);
      const known = registered.length ? pickOf(registered) : undefined;
      const body =
        known && randomInt(2) === 0
          ? { search_type: 'name', search_value: known.name }
          : { search_type: 'mobile', search_value: `0086-${pickOf(registryMobiles).slice(3)}` };
      const event = httpEvent(OPERATIONS.checkIdentity.route.path, body, { 'x-auth-token': partner }, addressOf(30_000 + randomInt(50)));
      return call('check-identity', check, event);
    },
    register: async () => {
      const roll = randomInt(20);
      const previous = registered.length ? pickOf(registered) : undefined;
      const customer =
        roll === 0 && previous
          ? previous // a replayed event: answered as already registered
          : {
              customerId: `bench-${randomUUID()}`,
              name: roll === 1 && previous ? previous.name : uniqueName(), // a taken name: refused
              email: uniqueEmail(),
              mobile: pickOf(registryMobiles),
            };
      const requestId = randomUUID();
      const startedAt = Date.now();
      const t0 = performance.now();
      let status = 200;
      let code = 'CUS.0000';
      try {
        const r = await register(customer, { awsRequestId: requestId, functionName: 'verigate-local-registerCustomer' });
        code = r.status === 'registered' ? 'CUS.0000' : 'CUS.0001';
        if (r.status === 'registered') registered.push(customer);
      } catch (err) {
        // A refusal is thrown named for what was refused; anything else is the service's failure.
        const name = err instanceof Error ? err.name : String(err);
        status = name === 'IdentityConflict' ? 409 : 500;
        code = name;
      }
      answers.push({
        kind: 'register',
        requestId,
        status,
        code,
        ms: performance.now() - t0,
        startedAt,
        detail: { mobile: customer.mobile },
      });
    },
  };

  const errors = captureErrorLogs();
  const weighted = KINDS.flatMap((k) => Array.from({ length: WEIGHTS[k] }, () => k));
  const deadline = performance.now() + s.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: s.concurrency }, async () => {
      while (performance.now() < deadline) await requests[pickOf(weighted)]();
    }),
  );
  const wallMs = performance.now() - started;
  // Every accepted send's delivery, settled before the checks read the table.
  for (let attempt = 1; ; attempt++) {
    try {
      await delivery.drain();
      break;
    } catch (err) {
      unreadPasses++;
      if (attempt === 5) throw err;
    }
  }
  await delivery.stop();
  const logged = errors.stop();

  // The checks read the table on a client of their own, patient with an emulator that just served the load.
  const reader = createRuntime(config, {
    db: createDb({ region: config.region, endpoint: config.dynamodbEndpoint, requestTimeoutMs: 60_000, connectTimeoutMs: 10_000 }),
  });
  const invariants = await checkInvariants(
    { rt: reader, config, items: await scanAll(reader.db, config.tableName), messages: local.outbox() },
    s,
    answers,
    problems,
    unreadPasses,
    registryMobiles,
    logged.loggedAudit,
  );
  const messages = local.outbox();
  const byKind = KINDS.map((kind) => {
    const of = answers.filter((a) => a.kind === kind);
    const statuses: Record<string, number> = {};
    for (const a of of) {
      const key = a.status === 200 ? '200' : `${a.status} ${a.code}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    return { kind, requests: of.length, statuses, stats: stats(of.length ? of.map((a) => a.ms) : [0], wallMs) };
  });
  return {
    settings: s,
    wallSeconds: round(wallMs / 1000, 1),
    requests: answers.length,
    throughput: round(answers.length / (wallMs / 1000), 1),
    overall: stats(
      answers.map((a) => a.ms),
      wallMs,
    ),
    byKind,
    deliveries: messages.length,
    invariants,
    errors: logged.errors,
  };
}

/**
 * What the functions log as errors while the load runs (the bench keeps the logger silent): each distinct
 * error once, by its message and the error's name and message, with how often it came.
 */
function captureErrorLogs(): { stop(): { errors: string[]; loggedAudit: string[] } } {
  const seen = new Map<string, number>();
  const loggedAudit: string[] = [];
  const error = logger.error;
  logger.error = ((message: unknown, ...extra: unknown[]) => {
    const attributes = Object.assign({}, ...extra.filter((x) => x && typeof x === 'object')) as {
      error?: { name?: string; message?: string } | string;
      audit?: { requestId?: string };
    };
    // A record the table could not take is logged whole instead (SPEC §6): it counts as the request's record.
    if (attributes.audit?.requestId) loggedAudit.push(attributes.audit.requestId);
    const e =
      typeof attributes.error === 'string' ? attributes.error : `${attributes.error?.name ?? ''}: ${attributes.error?.message ?? ''}`;
    const key = `${String(message)} (${e})`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
    return error.call(logger, message as string, ...(extra as []));
  }) as typeof logger.error;
  return {
    stop: () => {
      logger.error = error;
      return { errors: [...seen].map(([k, n]) => `${n}× ${k}`), loggedAudit };
    },
  };
}

/** The largest number of `times` inside any span of `spanMs` ((t − span, t]). */
function mostInAnySpan(times: number[], spanMs: number): number {
  const t = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < t.length; i++) {
    while (t[i]! - t[j]! >= spanMs) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

const groupBy = <T>(xs: T[], key: (x: T) => string): Map<string, T[]> => {
  const m = new Map<string, T[]>();
  for (const x of xs) {
    const k = key(x);
    const g = m.get(k);
    if (g) g.push(x);
    else m.set(k, [x]);
  }
  return m;
};

/** Every item of the table (consistent scan). */
async function scanAll(db: Db, table: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** A load that could not run to its end (or be checked): one failed invariant saying why. */
export function failedMixedLoad(settings: MixedLoadSettings, err: unknown): MixedLoadResult {
  const zero = stats([0], 1);
  return {
    settings,
    wallSeconds: 0,
    requests: 0,
    throughput: 0,
    overall: zero,
    byKind: [],
    deliveries: 0,
    invariants: [
      { name: 'the load ran and was checked', ok: false, detail: err instanceof Error ? `${err.name}: ${err.message}` : String(err) },
    ],
    errors: [],
  };
}

interface Checked {
  rt: Runtime;
  config: Config;
  items: Record<string, unknown>[];
  messages: OutboxMessage[];
}

async function checkInvariants(
  local: Checked,
  s: MixedLoadSettings,
  answers: Answered[],
  problems: string[],
  unreadPasses: number,
  registryMobiles: string[],
  loggedAudit: string[],
): Promise<Invariant[]> {
  const out: Invariant[] = [];
  const inv = (name: string, ok: boolean, detail: string) => out.push({ name, ok, detail });
  const { items, messages } = local;
  const audit = items.filter((i) => String(i.pk).startsWith(`${AUDIT_KIND}#`)) as Array<Record<string, unknown>>;
  const at = (r: Record<string, unknown>) => Date.parse(String(r.at));
  const ok200 = (r: Record<string, unknown>) => Number(r.status) === 200;

  const serverErrors = answers.filter((a) => a.status >= 500);
  // What the audit record says of each: a capacity 503 names its fault (throttled, contended, unanswered).
  const recordDetail = (a: Answered) => {
    const r = audit.find((x) => x.requestId === a.requestId);
    return r?.detail === undefined ? '' : ` ${typeof r.detail === 'string' ? r.detail : JSON.stringify(r.detail)}`;
  };
  inv(
    'no 5xx',
    serverErrors.length === 0,
    `${serverErrors.length} of ${answers.length} answers were 5xx${serverErrors.length ? ` (${[...new Set(serverErrors.map((a) => `${a.kind} ${a.status} ${a.code}${recordDetail(a)} after ${Math.round(a.ms)} ms`))].slice(0, 5).join('; ')})` : ''}; ` +
      `deliverCode failed ${problems.length} batches, retried as Lambda retries them${problems.length ? ` (${problems.slice(0, 3).join('; ')})` : ''} (what was lost shows below: an accepted send without its message); ` +
      `${unreadPasses} reads of the emulator's stream timed out and were read again`,
  );

  const byRequest = groupBy(audit, (r) => String(r.requestId));
  const logged = groupBy(loggedAudit, (id) => id);
  const recordsOf = (id: string) => (byRequest.get(id)?.length ?? 0) + (logged.get(id)?.length ?? 0);
  const missing = answers.filter((a) => recordsOf(a.requestId) !== 1);
  const deliverRecords = audit.filter((r) => r.operation === 'deliverCode');
  inv(
    'one audit record per request',
    missing.length === 0 && deliverRecords.length === messages.length,
    `${answers.length - missing.length} of ${answers.length} requests have exactly one record (${loggedAudit.length} of them logged: the table did not take them)` +
      `${missing.length ? `; e.g. ${missing[0]!.kind} ${missing[0]!.status} ${missing[0]!.requestId}: ${recordsOf(missing[0]!.requestId)}` : ''}; ` +
      `${deliverRecords.length} deliverCode records for ${messages.length} deliveries`,
  );

  // Each send answered 200 has exactly one message; a message of a send not answered 200 may only be one
  // whose outcome the send could not know (answered 5xx: its transaction may have committed).
  const sends = audit.filter((r) => r.operation === 'sendVerificationCode' && ok200(r));
  const sendAnswers = new Map(answers.filter((a) => a.kind.startsWith('send')).map((a) => [a.requestId, a]));
  const messagesOf = groupBy(messages, (m) => m.requestId);
  const accepted = [...sendAnswers.values()].filter((a) => a.status === 200);
  const notOne = accepted.filter((a) => messagesOf.get(a.requestId)?.length !== 1);
  const strays = messages.filter((m) => sendAnswers.get(m.requestId)?.status !== 200);
  const strayNot5xx = strays.filter((m) => (sendAnswers.get(m.requestId)?.status ?? 0) < 500);
  inv(
    'one message per accepted send',
    notOne.length === 0 && strayNot5xx.length === 0 && sends.length === accepted.length,
    `${accepted.length} sends answered 200, ${sends.length} recorded accepted, ${accepted.length - notOne.length} of them with exactly one message; ` +
      `${strays.length} messages of sends answered 5xx (outcome unknown to the send), ${strayNot5xx.length} of sends refused`,
  );
  const perDestination = groupBy(sends, (r) => String(r.subjectHash));
  const cooldown = Math.max(0, ...[...perDestination.values()].map((rs) => mostInAnySpan(rs.map(at), SEND_COOLDOWN.windowMs)));
  const daily = Math.max(0, ...[...perDestination.values()].map((rs) => mostInAnySpan(rs.map(at), SEND_DAILY_CAP.windowMs)));
  inv(
    'destination send limits',
    cooldown <= SEND_COOLDOWN.limit && daily <= SEND_DAILY_CAP.limit,
    `most accepted sends to one destination: ${cooldown} in a minute (limit ${SEND_COOLDOWN.limit}), ${daily} in a day (limit ${SEND_DAILY_CAP.limit}); ${perDestination.size} destinations`,
  );
  const perAddress = groupBy(sends, (r) => String(r.sourceIp));
  const busiest = Math.max(0, ...[...perAddress.values()].map((rs) => mostInAnySpan(rs.map(at), SEND_PER_SOURCE_IP.windowMs)));
  inv(
    'source address send limit',
    busiest <= SEND_PER_SOURCE_IP.limit,
    `most accepted sends from one address in an hour: ${busiest} (limit ${SEND_PER_SOURCE_IP.limit})`,
  );
  const sms = messages.filter((m) => m.channel === 'sms');
  const sentAt = new Map(sends.map((r) => [String(r.clientRequestId ?? r.requestId), at(r)]));
  const smsPerHour = groupBy(
    sms,
    (m) => `${m.to.slice(0, 3)}#${Math.floor((sentAt.get(m.requestId) ?? Date.parse(m.sentAt)) / COUNTRY_BUDGET_PERIOD_MS)}`,
  );
  const mostSms = Math.max(0, ...[...smsPerHour.values()].map((g) => g.length));
  inv('country budget', mostSms <= s.countryBudget, `most SMS to one country in a clock hour: ${mostSms} (budget ${s.countryBudget})`);

  const verifies = audit.filter((r) => r.operation === 'verifyVerificationCode');
  const judged = verifies.filter((r) => ok200(r) || r.outcome === 'USG.201050001');
  const attempts = Math.max(
    0,
    ...[...groupBy(judged, (r) => String(r.subjectHash)).values()].map((rs) => mostInAnySpan(rs.map(at), VERIFY_ATTEMPTS.windowMs)),
  );
  inv(
    'verify attempts per destination',
    attempts <= VERIFY_ATTEMPTS.limit,
    `most judged attempts at one destination in a minute: ${attempts} (limit ${VERIFY_ATTEMPTS.limit})`,
  );
  const failures = verifies.filter((r) => r.outcome === 'USG.201050001');
  const perRequester = Math.max(
    0,
    ...[...groupBy(failures, (r) => `${r.caller}|${r.sourceIp}|${r.subjectHash}`).values()].map((rs) =>
      mostInAnySpan(rs.map(at), VERIFY_FAILURES_PER_REQUESTER.windowMs),
    ),
  );
  inv(
    'verify failures per requester',
    perRequester <= VERIFY_FAILURES_PER_REQUESTER.limit,
    `most failures of one requester at one destination: ${perRequester} (limit ${VERIFY_FAILURES_PER_REQUESTER.limit})`,
  );
  const successes = Math.max(0, ...[...groupBy(verifies.filter(ok200), (r) => String(r.subjectHash)).values()].map((rs) => rs.length));
  const twice = groupBy(
    answers.filter((a) => a.detail?.twice),
    (a) => a.detail!.to!,
  );
  const doubleWins = [...twice.values()].filter((g) => g.filter((a) => a.status === 200).length > 1).length;
  inv(
    'one success per code',
    successes <= 1 && doubleWins === 0,
    `most successes at one destination (one code each): ${successes}; codes submitted twice at once: ${twice.size}, both accepted: ${doubleWins}`,
  );

  const checks = audit.filter((r) => r.operation === 'checkIdentity' && ok200(r));
  const second = (r: Record<string, unknown>) => `${r.caller}#${Math.floor(at(r) / 1000)}`;
  const perPartnerSecond = groupBy(checks, second);
  const mostChecks = Math.max(0, ...[...perPartnerSecond.values()].map((g) => g.length));
  // A refusal is only right in a second the partner had filled.
  const refusals = audit.filter((r) => r.operation === 'checkIdentity' && r.outcome === 'CBC.0250');
  const falseRefusals = refusals.filter((r) => (perPartnerSecond.get(second(r))?.length ?? 0) < s.partnerRate);
  inv(
    'partner rate',
    mostChecks <= s.partnerRate && falseRefusals.length === 0,
    `most accepted calls of one partner in a second: ${mostChecks} (rate ${s.partnerRate}); ${refusals.length} refused CBC.0250, ${falseRefusals.length} of them in a second with room`,
  );

  const slots = await Promise.all(registryMobiles.map((m) => local.rt.registry.usage('mobile', m)));
  const mostHolders = Math.max(0, ...slots.map((u) => u.holders));
  const registeredPerMobile = Math.max(
    0,
    ...[
      ...groupBy(
        answers.filter((a) => a.kind === 'register' && a.code === 'CUS.0000'),
        (a) => a.detail!.mobile!,
      ).values(),
    ].map((g) => g.length),
  );
  const max = local.config.maxCustomersPerMobile;
  inv(
    'customers per mobile',
    mostHolders <= max && registeredPerMobile <= max,
    `most customers on one mobile: ${mostHolders} held, ${registeredPerMobile} registered in the run (limit ${max})`,
  );
  return out;
}
