import * as z from 'zod/mini';
import { invalidParameters, ServiceError } from '../errors.js';
import { codeHash, requesterHash, subjectHash } from '../identity/hash.js';
import { sourceIpBucket } from '../identity/source-ip.js';
import { countMetric } from '../observability.js';
import { CODE_DIGITS, CONTENDED_RETRY_AFTER_MS, MAX_INPUT_CHARS, SECOND_MS, VERIFY_JUDGING_ROUNDS } from '../policy.js';
import { callerLabel, type PublicOperationContext } from '../request/operation-context.js';
import { DESTINATION_WINDOWS, type AttemptOutcome, type DestinationState } from '../store/destinations.js';
import { msUntilRoom } from '../store/sliding-window.js';
import type { VerifyAttempts, WrongRecord } from '../store/verify-attempts.js';
import { identifyUser, maskIdentity, type Destination } from './destination.js';

export const VerifyCodeInput = z.strictObject({
  contact: z.string().check(z.minLength(1), z.maxLength(MAX_INPUT_CHARS.contact)),
  country: z.optional(z.string().check(z.minLength(1), z.maxLength(MAX_INPUT_CHARS.contact))),
  verificationCode: z.string().check(z.maxLength(MAX_INPUT_CHARS.verificationCode)),
});
export type VerifyCodeInput = z.output<typeof VerifyCodeInput>;

export interface VerifyCodeDeps {
  attempts: VerifyAttempts;
  codePepper: string;
  identityPepper: string;
}

// ASCII digits only: \d in a JS regex without the u flag matches nothing but 0-9.
const CODE = new RegExp(`^\\d{${CODE_DIGITS}}$`);

function refusal(outcome: Exclude<AttemptOutcome | WrongRecord, { kind: 'verified' | 'wrong' | 'recorded' | 'changed' }>): ServiceError {
  switch (outcome.kind) {
    case 'no_code':
      countMetric('VerificationsFailed');
      return new ServiceError('USG.201050002', { detail: 'no live code' });
    case 'locked':
    case 'requester_locked':
    case 'throttled':
      countMetric('Throttled');
      return new ServiceError('USG.201050003', { detail: outcome.kind, retryAfterSeconds: outcome.retryMs / SECOND_MS });
  }
}

/** The destination and code of a request, or the family's parameter error: checked before any storage. */
export function verificationRequest(input: VerifyCodeInput): { contact: Destination; code: string } {
  const contact = identifyUser(input.contact, input.country ?? 'chinaPR', false);
  if (!contact || contact.kind === 'name') throw invalidParameters('USG', 'contact is not a mobile number or email');
  if (!CODE.test(input.verificationCode)) throw invalidParameters('USG', 'verificationCode is not 6 digits');
  return { contact, code: input.verificationCode };
}

/**
 * SPEC §4's requester: the app token's subject and the source address (an app's token is shared by
 * every user of its public frontend, so the subject alone would let one user lock out another). A
 * direct invocation is the operator's own backend.
 */
export function requesterOf(ctx: Pick<PublicOperationContext, 'caller' | 'sourceIp'>): string {
  if (!ctx.caller) return 'direct';
  return `${callerLabel(ctx.caller)}|${ctx.sourceIp ? sourceIpBucket(ctx.sourceIp) : ''}`;
}

/**
 * Verifies a code. Uncontended a right code costs one request (a transaction: the requester's budget
 * checked, the code consumed within the attempt window, the audit record committed); a wrong one two
 * (that transaction, then one recording the failure for the destination and the requester together
 * with the audit record); a refusal two (the transaction, the audit record).
 */
export async function verifyCode(deps: VerifyCodeDeps, input: VerifyCodeInput, ctx: PublicOperationContext): Promise<void> {
  const { contact, code } = verificationRequest(input);

  const destinationHash = subjectHash(deps.identityPepper, contact.kind, contact.value);
  ctx.audit.setSubject(destinationHash, maskIdentity(contact));
  const hash = codeHash(deps.codePepper, destinationHash, code);
  const requester = requesterHash(deps.identityPepper, destinationHash, requesterOf(ctx));
  const nowMs = ctx.now.getTime();

  let lastState: DestinationState | undefined;
  for (let round = 0; round < VERIFY_JUDGING_ROUNDS; round++) {
    const outcome = await deps.attempts.attempt({
      destinationHash,
      requesterHash: requester,
      codeHash: hash,
      nowMs,
      audit: ctx.audit.pending('USG.000000000', 200),
    });
    if (outcome.kind === 'verified') {
      countMetric('CodesVerified');
      return;
    }
    if (outcome.kind !== 'wrong') throw refusal(outcome);

    const recorded = await deps.attempts.recordWrong({
      destinationHash,
      requesterHash: requester,
      judged: outcome.state,
      nowMs,
      audit: (remainingAttempts) => ctx.audit.pending('USG.201050001', 400, { remaining_attempts: remainingAttempts }),
    });
    if (recorded.kind === 'changed') {
      lastState = recorded.state;
      continue;
    }
    if (recorded.kind !== 'recorded') throw refusal(recorded);
    countMetric('VerificationsFailed');
    throw new ServiceError('USG.201050001', { fields: { remaining_attempts: recorded.remainingAttempts } });
  }
  // The destination kept changing under this attempt: others are hammering it right now. Retry when
  // the attempt window (as last seen) has room again.
  countMetric('Throttled');
  const retryMs = Math.max(CONTENDED_RETRY_AFTER_MS, msUntilRoom(DESTINATION_WINDOWS.attempts, lastState, nowMs));
  throw new ServiceError('USG.201050003', { detail: 'contended', retryAfterSeconds: retryMs / SECOND_MS });
}
