import { randomBytes, randomInt } from 'node:crypto';
import * as z from 'zod/mini';
import { passAlreadyUsed, requireCaptchaPass, type CaptchaPass, type CaptchaVerifier } from '../auth/captcha/index.js';
import { hourlyBudgetOf, type SmsPolicy } from '../config.js';
import { invalidParameters, ServiceError } from '../errors.js';
import { decoyMaskedEmail, decoyMaskedPhone } from '../identity/decoy.js';
import { codeHash, subjectHash } from '../identity/hash.js';
import { smsDestination } from '../identity/sms-destination.js';
import { sourceIpBucket } from '../identity/source-ip.js';
import { countMetric } from '../observability.js';
import { CODE_DIGITS, MAX_TOKEN_CHARS, SECOND_MS } from '../policy.js';
import type { PublicOperationContext } from '../request/operation-context.js';
import { retryInBackground } from '../background.js';
import { inAnswerPhase } from '../deadline.js';
import { SendOutcomeUnknown, traceOf, type CodeSend, type CodeStore, type SendRefusal } from '../store/codes.js';
import type { Registry } from '../store/registry.js';
import { channelOf, identifyUser, maskIdentity } from './destination.js';

export const SendCodeInput = z.strictObject({
  user: z.string().check(z.minLength(1), z.maxLength(255)),
  sendMethod: z.optional(z.enum(['sms', 'email'])),
  token: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_TOKEN_CHARS))),
});
export type SendCodeInput = z.output<typeof SendCodeInput>;

export interface SendCodeResult {
  expire: number;
  bindPhone: string | null;
  bindEmail: string | null;
}

export interface SendCodeDeps {
  registry: Registry;
  codes: CodeStore;
  captcha: CaptchaVerifier;
  codePepper: string;
  identityPepper: string;
  codeTtlSeconds: number;
  enumerationProtection: boolean;
  sms: SmsPolicy;
}

// A withheld account's decoy is a phone of send's default country (chinaPR), whose budget it needs room in.
const DECOY_SMS_COUNTRY = 'CN';

/** Six digits from the CSPRNG. */
export const newCode = (): string => randomInt(0, 10 ** CODE_DIGITS).toString().padStart(CODE_DIGITS, '0');

function refusalError(r: Exclude<SendRefusal, { reason: 'captcha_used' }>): ServiceError {
  switch (r.reason) {
    case 'sms_budget_exhausted':
      countMetric('SmsBudgetExhausted');
      countMetric('Throttled');
      return new ServiceError('USG.201050004', { detail: "country's hourly SMS budget spent", retryAfterSeconds: r.retryMs / SECOND_MS });
    case 'ip_limited':
      countMetric('Throttled');
      return new ServiceError('USG.201050004', { detail: 'per-IP send limit', retryAfterSeconds: r.retryMs / SECOND_MS });
    case 'send_limited':
      countMetric('Throttled');
      return new ServiceError('USG.201050004', { detail: 'destination send limit', retryAfterSeconds: r.retryMs / SECOND_MS });
    case 'locked':
      countMetric('Throttled');
      return new ServiceError('USG.201050003', { detail: 'destination locked after failed attempts', retryAfterSeconds: r.retryMs / SECOND_MS });
  }
}

function smsRefusalError(reason: 'not_mobile' | 'country_not_allowed'): ServiceError {
  countMetric('SmsDestinationRefused');
  return new ServiceError('USG.201040003', { detail: reason === 'not_mobile' ? 'number cannot receive SMS' : 'country not in SMS_COUNTRY_ALLOWLIST' });
}

/** The hourly SMS budget a send spends, or (withheld) needs room in as a real SMS send would. */
function smsBudgetOf(sms: SmsPolicy, country: string | undefined, withheld: { method: 'sms' | 'email' } | undefined) {
  if (withheld) return withheld.method === 'sms' ? { country: DECOY_SMS_COUNTRY, limit: hourlyBudgetOf(sms, DECOY_SMS_COUNTRY), spend: false } : undefined;
  return country ? { country, limit: hourlyBudgetOf(sms, country), spend: true } : undefined;
}

/** Where a send goes: a destination (with its SMS country), or, under enumeration protection, nowhere. */
type Target =
  | { destination: { kind: 'mobile' | 'email'; value: string }; smsCountry: string | undefined }
  | { withheld: { method: 'sms' | 'email'; reason: 'unknown_account' | 'no_contact' | 'no_sms' } };

/**
 * Undoes a send answered with a failure (see CodeStore.undo), in the time kept for the answer; if
 * DynamoDB cannot take it now, it is retried in the background until it can.
 */
async function undo(deps: SendCodeDeps, send: CodeSend): Promise<void> {
  const o = { committed: 'unknown', dropAuditRecord: send.audit.record } as const;
  try {
    await inAnswerPhase(() => deps.codes.undo(traceOf(send), o));
  } catch {
    retryInBackground('undo a failed send', async () => void (await deps.codes.undo(traceOf(send), o)));
  }
}

/**
 * An account's bound contact for `method`, checked like a typed-in one. An unknown account, one without
 * that contact, or one bound to a number SMS may not go to is withheld under enumeration protection
 * (answered like the others) and refused with what it is otherwise.
 */
async function accountTarget(deps: SendCodeDeps, name: string, method: 'sms' | 'email'): Promise<Target> {
  const contacts = await deps.registry.contactsOfAccount(name);
  const to = contacts && (method === 'sms' ? contacts.mobile : contacts.email);
  const sms = to && method === 'sms' ? smsDestination(to, deps.sms.allowedCountries) : undefined;
  if (to && !(sms && 'refused' in sms)) return { destination: { kind: method === 'sms' ? 'mobile' : 'email', value: to }, smsCountry: sms?.country };
  if (deps.enumerationProtection) return { withheld: { method, reason: !contacts ? 'unknown_account' : sms ? 'no_sms' : 'no_contact' } };
  if (!contacts) throw new ServiceError('USG.201040000', { detail: 'unknown account' });
  if (sms && 'refused' in sms) throw smsRefusalError(sms.refused);
  throw new ServiceError('USG.201040002', { detail: `account has no ${method === 'sms' ? 'mobile' : 'email'}` });
}

/**
 * Sends a code to a mobile, an email, or an account's bound contact. A number SMS may not go to is
 * refused first. The CAPTCHA use, the IP and destination limits, the country's SMS budget, the new code,
 * its delivery request and the audit record commit in one transaction, and the caller is answered at
 * once: deliverCode sends the message from the table's stream, and refunds the send if it cannot.
 */
export async function sendCode(deps: SendCodeDeps, input: SendCodeInput, ctx: PublicOperationContext): Promise<SendCodeResult> {
  const nowMs = ctx.now.getTime();
  const user = identifyUser(input.user);
  if (!user) throw invalidParameters('USG', 'user is not a mobile number, email or account name');
  if (user.kind !== 'name' && input.sendMethod !== undefined && input.sendMethod !== channelOf(user.kind)) {
    throw invalidParameters('USG', `sendMethod ${input.sendMethod} contradicts a ${user.kind} user`);
  }
  // A number SMS may not go to is refused before anything else happens (SPEC §4).
  const smsTo = user.kind === 'mobile' ? smsDestination(user.value, deps.sms.allowedCountries) : undefined;
  if (smsTo && 'refused' in smsTo) throw smsRefusalError(smsTo.refused);

  let captcha: CaptchaPass | undefined;
  let sourceIpHash: string | undefined;
  if (!ctx.direct) {
    // Over HTTP a CAPTCHA pass for this very user is required (claimed once below); trusted direct calls skip it.
    captcha = await requireCaptchaPass(deps.captcha, { token: input.token, user, rawUser: input.user, sourceIp: ctx.sourceIp, nowMs });
    if (ctx.sourceIp) sourceIpHash = subjectHash(deps.identityPepper, 'ip', sourceIpBucket(ctx.sourceIp));
  }

  const target: Target =
    user.kind === 'name' ? await accountTarget(deps, user.value, input.sendMethod ?? 'sms') : { destination: user, smsCountry: smsTo?.country };
  const destination = 'destination' in target ? target.destination : undefined;
  const withheld = 'withheld' in target ? target.withheld : undefined;

  // A withheld account goes through the very same transaction, with a code nobody learns, on an item
  // of its own per name and method (a known account's sms and email are two destinations, each with
  // its own cooldown): same answer, same limits, same cost, nothing sent. Its audit subject is the name.
  const audited = destination ?? user;
  const subjectKey = subjectHash(deps.identityPepper, audited.kind, audited.value);
  const masked = maskIdentity(audited);
  ctx.audit.setSubject(subjectKey, masked);
  const destinationHash = withheld ? subjectHash(deps.identityPepper, 'name', `${user.value}:${withheld.method}`) : subjectKey;

  const code = newCode();
  const hash = destination ? codeHash(deps.codePepper, destinationHash, code) : randomBytes(32).toString('base64url');
  const channel = destination ? channelOf(destination.kind) : 'none';
  ctx.audit.addDetail(withheld ? { channel, withheld: withheld.reason } : { channel });
  const send: CodeSend = {
    destinationHash,
    codeHash: hash,
    channel,
    nowMs,
    expiresAtMs: nowMs + deps.codeTtlSeconds * SECOND_MS,
    captcha,
    sourceIpHash,
    smsBudget: smsBudgetOf(deps.sms, 'smsCountry' in target ? target.smsCountry : undefined, withheld),
    audit: ctx.audit.pending('USG.000000000', 200),
    // A withheld send's request is as large as a real one (the name stands in for the contact) and is
    // never delivered: the stream's filter passes only sms and email requests to deliverCode.
    delivery: {
      channel,
      to: destination?.value ?? audited.value,
      code,
      expireSeconds: deps.codeTtlSeconds,
      language: ctx.language,
      requestId: ctx.requestId,
      subjectHash: subjectKey,
      subjectMasked: masked,
    },
  };
  let refusal: SendRefusal | undefined;
  try {
    refusal = await deps.codes.issue(send);
  } catch (err) {
    // No answer from DynamoDB (it stalled, or the budget ran out): the transaction may still commit.
    // The caller is answered with a failure, so the send is undone whichever way it went.
    if (err instanceof SendOutcomeUnknown) await undo(deps, send);
    throw err;
  }
  if (refusal) throw refusal.reason === 'captcha_used' ? passAlreadyUsed(deps.captcha) : refusalError(refusal);
  if (!destination) {
    const method = withheld?.method ?? 'sms';
    return {
      expire: deps.codeTtlSeconds,
      bindPhone: method === 'sms' ? decoyMaskedPhone(deps.identityPepper, user.value) : null,
      bindEmail: method === 'email' ? decoyMaskedEmail(deps.identityPepper, user.value) : null,
    };
  }

  // Accepted: the message is on its way (deliverCode). A failed delivery is refunded there, not here.
  countMetric('CodesSent');
  return { expire: deps.codeTtlSeconds, bindPhone: channel === 'sms' ? masked : null, bindEmail: channel === 'email' ? masked : null };
}
