import { ERROR_CODES, FAMILY_CODES, ServiceError, type ErrorCode, type Family } from '../errors.js';

/** What a request is answered with when it fails: a ServiceError's code, or the family's 500. */
export interface FailureAnswer {
  code: ErrorCode;
  status: number;
  /** Undefined for an unexpected error (a bug or a dependency's fault), which is never described to the caller. */
  known: ServiceError | undefined;
}

export function failureAnswer(error: unknown, family: Family): FailureAnswer {
  const known = error instanceof ServiceError ? error : undefined;
  const code = known?.code ?? FAMILY_CODES[family].internal;
  return { code, status: ERROR_CODES[code].status, known };
}

export const successCode = (family: Family): string => FAMILY_CODES[family].success;
