import { randomBytes, randomInt } from 'node:crypto';
import * as z from 'zod/mini';
import { passAlreadyUsed, requireCaptchaPass, type CaptchaPass, type CaptchaVerifier } from '../auth/captcha/index.js';
import {
  CHANNEL_NAMES,
  CHANNELS,
  DEFAULT_ACCOUNT_CHANNEL,
  defaultChannelOf,
  NO_CHANNEL,
  type Channel,
  type ChannelEntry,
  type DestinationKind,
  type PhoneReach,
} from '../channels.js';
import { hourlyBudgetOf, type SmsPolicy } from '../config.js';
import { invalidParameters, ServiceError } from '../errors.js';
import { decoyMaskedEmail, decoyMaskedPhone } from '../identity/decoy.js';
import { codeHash, subjectHash } from '../identity/hash.js';
import { callableDestination, smsDestination, type SmsRefusal } from '../identity/sms-destination.js';
import { sourceIpBucket } from '../identity/source-ip.js';
import { countFunnel, countMetric, logger } from '../observability.js';
import { CODE_DIGITS, MAX_INPUT_CHARS, MAX_TOKEN_CHARS, SECOND_MS } from '../policy.js';
import type { PublicOperationContext } from '../request/operation-context.js';
import { retryInBackground } from '../background.js';
import { inAnswerPhase } from '../deadline.js';
import { outcomeUnknown } from '../store/client.js';
import { SendOutcomeUnknown, traceOf, type CodeSend, type CodeSends, type SendRefusal, type UndoResult } from '../store/code-sends.js';
import type { Registry } from '../store/registry.js';
import type { Suppressions } from '../store/suppressions.js';
import type { CountedUnit } from '../store/sharded-counter.js';
import type { CountryBudget } from '../store/country-budget.js';
import { identifyUser, maskIdentity, type Destination } from './destination.js';

export const SendCodeInput = z.strictObject({
  user: z.string().check(z.minLength(1), z.maxLength(MAX_INPUT_CHARS.contact)),
  /** The channel (shared/channels.ts). */
  sendMethod: z.optional(z.enum(CHANNEL_NAMES)),
  token: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_TOKEN_CHARS))),
});
export type SendCodeInput = z.output<typeof SendCodeInput>;

export interface SendCodeResult {
  expire: number;
  bindPhone: string | null;
  bindEmail: string | null;
}

/** The field of send's answer that shows a destination of each kind, masked; the others are null. */
const ANSWER_FIELD = { mobile: 'bindPhone', email: 'bindEmail' } as const satisfies Record<DestinationKind, keyof SendCodeResult>;

/** The masked contact a withheld account shows instead of a real one, per kind (shared/identity/decoy.ts). */
const DECOY: Record<DestinationKind, (pepper: string, name: string) => string> = { mobile: decoyMaskedPhone, email: decoyMaskedEmail };

/** Which numbers each phone channel may be sent to, and in which country they are (SPEC §4). */
const NUMBER_CHECK: Record<PhoneReach, (e164: string, allowedCountries: ReadonlySet<string>) => { country: string } | { refused: SmsRefusal }> = {
  'sms-capable': smsDestination,
  callable: callableDestination,
};

export interface SendCodeDeps {
  registry: Registry;
  sends: CodeSends;
  suppressions: Pick<Suppressions, 'isSuppressed'>;
  countryBudget: CountryBudget;
  captcha: CaptchaVerifier;
  codePepper: string;
  identityPepper: string;
  codeTtlSeconds: number;
  enumerationProtection: boolean;
  sms: SmsPolicy;
}

// A withheld account's decoy is a phone of send's default country (chinaPR), whose budget it needs room in.
const DECOY_COUNTRY = 'CN';

/** Six digits from the CSPRNG. */
export const newCode = (): string => randomInt(0, 10 ** CODE_DIGITS).toString().padStart(CODE_DIGITS, '0');

/** A limit a send met: one of its transaction's, or its country's budget (spent before the transaction). */
type LimitMet = Exclude<SendRefusal, { reason: 'captcha_used' }> | { reason: 'country_budget_exhausted'; retryMs: number };

/** The limit's 429, with the limit named in the audit record (`limit`). */
function refusalError(r: LimitMet): ServiceError {
  const retryAfterSeconds = r.retryMs / SECOND_MS;
  countMetric('Throttled');
  switch (r.reason) {
    case 'country_budget_exhausted':
      countMetric('CountryBudgetExhausted');
      return new ServiceError('USG.201050004', { detail: "country's hourly budget spent", retryAfterSeconds, audit: { limit: 'country_budget' } });
    case 'ip_limited':
      return new ServiceError('USG.201050004', { detail: 'per-IP send limit', retryAfterSeconds, audit: { limit: 'source_ip' } });
    case 'send_limited':
      return new ServiceError('USG.201050004', { detail: 'destination send limit', retryAfterSeconds, audit: { limit: 'destination' } });
    case 'locked':
      return new ServiceError('USG.201050003', {
        detail: 'destination locked after failed attempts',
        retryAfterSeconds,
        audit: { limit: 'destination_locked' },
      });
  }
}

const NUMBER_REFUSAL: Record<SmsRefusal, string> = {
  not_mobile: 'number cannot receive SMS',
  not_callable: 'number cannot be called',
  country_not_allowed: 'country not in SMS_COUNTRY_ALLOWLIST',
};

function smsRefusalError(reason: SmsRefusal): ServiceError {
  countMetric('SmsDestinationRefused');
  return new ServiceError('USG.201040003', { detail: NUMBER_REFUSAL[reason] });
}

function suppressedError(): ServiceError {
  countMetric('DestinationSuppressed');
  return new ServiceError('USG.201040004', { detail: 'destination suppressed (hard bounce, complaint or opt-out)' });
}

/** A country's hourly budget as a send uses it: spending a unit, or (withheld) needing room only. */
interface CountryBudgetUse {
  country: string;
  limit: number;
  spend: boolean;
}

/** The hourly budget a send spends, or (withheld) needs room in as a real send on a phone channel would. */
function budgetUseOf(sms: SmsPolicy, country: string | undefined, withheld: { channel: Channel } | undefined): CountryBudgetUse | undefined {
  if (withheld) {
    const entry: ChannelEntry = CHANNELS[withheld.channel];
    return entry.numbers ? { country: DECOY_COUNTRY, limit: hourlyBudgetOf(sms, DECOY_COUNTRY), spend: false } : undefined;
  }
  return country ? { country, limit: hourlyBudgetOf(sms, country), spend: true } : undefined;
}

/** Where a send goes: a destination (with the country whose budget it spends), or, under enumeration protection, nowhere. */
type Target =
  | { destination: Destination; channel: Channel; country: string | undefined }
  | { withheld: { channel: Channel; reason: 'unknown_account' | 'no_contact' | 'no_sms' | 'suppressed' } };

/** Whether `channel` may go to the number `to`: its country when it may (undefined for a channel that is not a phone's). */
function numberCheck(deps: SendCodeDeps, channel: Channel, to: string) {
  const entry: ChannelEntry = CHANNELS[channel];
  return entry.numbers ? NUMBER_CHECK[entry.numbers](to, deps.sms.allowedCountries) : undefined;
}

/**
 * Spends the send's unit of its country's budget, before its transaction (a withheld send only asks
 * for room, spending nothing, in the same requests): the unit taken, or the budget's 429; a used CAPTCHA
 * pass is still told as such (403), as the transaction would have.
 */
async function spendCountryBudget(
  deps: SendCodeDeps,
  budget: CountryBudgetUse,
  captcha: CaptchaPass | undefined,
  nowMs: number,
): Promise<CountedUnit | undefined> {
  const { country, limit } = budget;
  let retryMs: number | undefined;
  if (budget.spend) {
    const admission = await deps.countryBudget.admit(country, nowMs, limit);
    if (admission.admitted) return admission.unit;
    retryMs = admission.retryMs;
  } else {
    retryMs = await deps.countryBudget.hasRoom(country, nowMs, limit);
    if (retryMs === undefined) return undefined;
  }
  if (captcha && (await deps.sends.passUsed(captcha.jti))) throw passAlreadyUsed(deps.captcha);
  throw refusalError({ reason: 'country_budget_exhausted', retryMs });
}

/**
 * Gives back the budget unit of a send that was refused or failed, in the time kept for the answer; if
 * DynamoDB refused it there, in the background. A give-back that got no answer is not repeated (it may
 * have landed): the unit stays spent, which only ever admits less.
 */
async function giveBackCountryBudget(deps: SendCodeDeps, unit: CountedUnit | undefined): Promise<void> {
  if (!unit) return;
  try {
    await inAnswerPhase(() => deps.countryBudget.giveBack(unit));
  } catch (err) {
    if (outcomeUnknown(err)) leftSpent(unit);
    else giveBackInBackground(deps, unit);
  }
}

function giveBackInBackground(deps: SendCodeDeps, unit: CountedUnit): void {
  retryInBackground('give back an country budget unit', () => deps.countryBudget.giveBack(unit), {
    retryable: (err) => !outcomeUnknown(err),
    onAbandoned: (err) => outcomeUnknown(err) && leftSpent(unit),
  });
}

function leftSpent(unit: CountedUnit): void {
  countMetric('CountryBudgetUnitsLeftSpent');
  logger.warn('country budget unit left spent: its give-back got no answer', { country: unit.id, shard: unit.shard });
}

/**
 * Undoes a send answered with a failure (see CodeSends.undo), in the time kept for the answer; if
 * DynamoDB cannot take it now, it is retried in the background until it can. Its budget unit is given
 * back, once, when the undo shows its message can no longer go out.
 */
async function undo(deps: SendCodeDeps, send: CodeSend, unit: CountedUnit | undefined): Promise<void> {
  const o = { committed: 'unknown', removeAuditRecord: send.audit.record } as const;
  let result: UndoResult;
  try {
    result = await inAnswerPhase(() => deps.sends.undo(traceOf(send), o));
  } catch {
    retryInBackground('undo a failed send', async () => {
      const late = await deps.sends.undo(traceOf(send), o);
      if (late.unsent && unit) giveBackInBackground(deps, unit);
    });
    return;
  }
  if (result.unsent) await giveBackCountryBudget(deps, unit);
}

/**
 * An account's bound contact for `channel`, checked like a typed-in one. An unknown account, one without
 * that contact, or one bound to a number the channel may not go to is withheld under enumeration protection
 * (answered like the others) and refused with what it is otherwise.
 */
async function accountTarget(deps: SendCodeDeps, name: string, channel: Channel): Promise<Target> {
  const kind = CHANNELS[channel].reaches;
  const contacts = await deps.registry.contactsOfAccount(name);
  const to = contacts?.[kind];
  const number = to ? numberCheck(deps, channel, to) : undefined;
  if (to && !(number && 'refused' in number)) return { destination: { kind, value: to }, channel, country: number?.country };
  if (deps.enumerationProtection) return { withheld: { channel, reason: !contacts ? 'unknown_account' : number ? 'no_sms' : 'no_contact' } };
  if (!contacts) throw new ServiceError('USG.201040000', { detail: 'unknown account' });
  if (number && 'refused' in number) throw smsRefusalError(number.refused);
  throw new ServiceError('USG.201040002', { detail: `account has no ${kind}` });
}

/**
 * Sends a code to a mobile, an email, or an account's bound contact, on the channel `sendMethod` names (by
 * default the first that reaches the destination; SMS for an account). A number the channel may not go to
 * is refused first; a suppressed destination (hard bounce, complaint, opt-out) before anything is spent
 * or counted. The country's budget is spent on its own (given back if the send then fails); the
 * CAPTCHA use, the IP and destination limits, the new code, its delivery request and the audit record
 * commit in one transaction, and the caller is answered at once: deliverCode sends the message from the
 * table's stream, and refunds the delivery if it cannot.
 */
export async function sendCode(deps: SendCodeDeps, input: SendCodeInput, ctx: PublicOperationContext): Promise<SendCodeResult> {
  const nowMs = ctx.now.getTime();
  const user = identifyUser(input.user);
  if (!user) throw invalidParameters('USG', 'user is not a mobile number, email or account name');
  if (user.kind !== 'name' && input.sendMethod !== undefined && CHANNELS[input.sendMethod].reaches !== user.kind) {
    throw invalidParameters('USG', `sendMethod ${input.sendMethod} contradicts a ${user.kind} user`);
  }
  // A mobile or an email is the destination itself, on the channel named or the first that reaches it.
  const direct = user.kind === 'name' ? undefined : { destination: user, channel: input.sendMethod ?? defaultChannelOf(user.kind) };
  // A number the channel may not go to is refused before anything else happens (SPEC §4).
  const number = direct && numberCheck(deps, direct.channel, user.value);
  if (number && 'refused' in number) throw smsRefusalError(number.refused);

  let captcha: CaptchaPass | undefined;
  let sourceIpHash: string | undefined;
  if (!ctx.direct) {
    // Over HTTP a CAPTCHA pass for this very user is required (claimed once below); trusted direct calls skip it.
    captcha = await requireCaptchaPass(deps.captcha, { token: input.token, user, rawUser: input.user, sourceIp: ctx.sourceIp, nowMs });
    if (ctx.sourceIp) sourceIpHash = subjectHash(deps.identityPepper, 'ip', sourceIpBucket(ctx.sourceIp));
  }

  let target: Target = direct
    ? { ...direct, country: number?.country }
    : await accountTarget(deps, user.value, input.sendMethod ?? DEFAULT_ACCOUNT_CHANNEL);

  // A withheld account goes through the very same transaction, with a code nobody learns, on an item
  // of its own per name and channel (a known account's sms and email are two destinations, each with
  // its own cooldown): same answer, same limits, same cost, nothing sent. Its audit subject is the name.
  const keysOf = (t: Target) =>
    'withheld' in t
      ? { subjectKey: subjectHash(deps.identityPepper, 'name', user.value), destinationHash: subjectHash(deps.identityPepper, 'name', `${user.value}:${t.withheld.channel}`) }
      : { subjectKey: subjectHash(deps.identityPepper, t.destination.kind, t.destination.value), destinationHash: undefined };
  // SPEC §4: a suppressed destination is refused before anything is spent or counted. Every send reads one
  // suppression (a withheld one, of an item that never exists), so an account's answer takes the same
  // work whatever it is bound to; an account bound to a suppressed contact is withheld like one without it.
  const read = keysOf(target);
  if (await deps.suppressions.isSuppressed(read.destinationHash ?? read.subjectKey, nowMs)) {
    if (direct || !deps.enumerationProtection || !('destination' in target)) {
      // The refusal's record names the destination it refused, as a send's record does.
      if ('destination' in target) ctx.audit.setSubject(read.subjectKey, maskIdentity(target.destination));
      throw suppressedError();
    }
    target = { withheld: { channel: target.channel, reason: 'suppressed' } };
  }
  const destination = 'destination' in target ? target.destination : undefined;
  const withheld = 'withheld' in target ? target.withheld : undefined;
  const audited = destination ?? user;
  const { subjectKey, destinationHash: withheldHash } = keysOf(target);
  const masked = maskIdentity(audited);
  ctx.audit.setSubject(subjectKey, masked);
  const destinationHash = withheldHash ?? subjectKey;

  const code = newCode();
  const hash = destination ? codeHash(deps.codePepper, destinationHash, code) : randomBytes(32).toString('base64url');
  const channel = 'destination' in target ? target.channel : NO_CHANNEL;
  ctx.audit.addDetail(withheld ? { channel, withheld: withheld.reason } : { channel });
  const send: CodeSend = {
    destinationHash,
    codeHash: hash,
    channel,
    nowMs,
    expiresAtMs: nowMs + deps.codeTtlSeconds * SECOND_MS,
    captcha,
    sourceIpHash,
    audit: ctx.audit.pending('USG.000000000', 200),
    // A withheld send's request is as large as a real one (the name stands in for the contact) and is
    // never delivered: the stream's filter passes only requests of a channel to deliverCode.
    delivery: {
      channel,
      to: destination?.value ?? audited.value,
      code,
      country: 'country' in target ? target.country : undefined,
      expireSeconds: deps.codeTtlSeconds,
      language: ctx.language,
      acceptedLanguages: ctx.acceptedLanguages ?? [],
      requestId: ctx.requestId,
      subjectHash: subjectKey,
      subjectMasked: masked,
    },
  };
  // The country's budget is spent first, on its own (no transaction shares an item unrelated sends
  // write), and given back if the transaction then refuses the send or fails it.
  const budget = budgetUseOf(deps.sms, 'country' in target ? target.country : undefined, withheld);
  const unit = budget && (await spendCountryBudget(deps, budget, captcha, nowMs));
  let refusal: SendRefusal | undefined;
  try {
    refusal = await deps.sends.issue(send);
  } catch (err) {
    // No answer from DynamoDB (it stalled, or the budget ran out): the transaction may still commit.
    // The caller is answered with a failure, so the send is undone whichever way it went. Any other
    // failure is an answer: the transaction did not commit.
    if (err instanceof SendOutcomeUnknown) await undo(deps, send, unit);
    else await giveBackCountryBudget(deps, unit);
    throw err;
  }
  if (refusal) {
    await giveBackCountryBudget(deps, unit);
    throw refusal.reason === 'captcha_used' ? passAlreadyUsed(deps.captcha) : refusalError(refusal);
  }
  if (!destination) {
    const kind = CHANNELS[withheld?.channel ?? DEFAULT_ACCOUNT_CHANNEL].reaches;
    return answer(deps.codeTtlSeconds, kind, DECOY[kind](deps.identityPepper, user.value));
  }

  // Accepted: the message is on its way (deliverCode). A failed delivery is refunded there, not here.
  countFunnel('CodesSent', channel, send.delivery.country, { total: true });
  return answer(deps.codeTtlSeconds, destination.kind, masked);
}

/** Send's answer: the code's lifetime and the masked destination in the field of its kind. */
function answer(expire: number, kind: DestinationKind, masked: string): SendCodeResult {
  return { expire, bindPhone: null, bindEmail: null, [ANSWER_FIELD[kind]]: masked };
}
