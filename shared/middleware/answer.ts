import { unavailableAnswer } from '../capacity.js';
import { ERROR_CODES, FAMILY_CODES, ServiceError, type ErrorCode, type Family } from '../errors.js';

/** What a request is answered with when it fails: a ServiceError's code, the family's 503 for capacity, or its 500. */
export interface FailureAnswer {
  code: ErrorCode;
  status: number;
  /** Undefined for an unexpected error (a bug or a dependency's fault), which is never described to the caller. */
  known: ServiceError | undefined;
  /** Whether it is the family's 503 for capacity (shared/capacity.ts): DynamoDB throttled, contended, or gave no answer. */
  capacity: boolean;
}

export function failureAnswer(error: unknown, family: Family): FailureAnswer {
  const unavailable = error instanceof ServiceError ? undefined : unavailableAnswer(error, family);
  const known = error instanceof ServiceError ? error : unavailable;
  const code = known?.code ?? FAMILY_CODES[family].internal;
  return { code, status: ERROR_CODES[code].status, known, capacity: unavailable !== undefined };
}

export const successCode = (family: Family): string => FAMILY_CODES[family].success;
