/**
 * The one error module: every code the service answers with, its HTTP status, its family and its
 * localized messages. Domain and adapters throw ServiceError; the HTTP pipeline maps it to the
 * family's envelope, and a direct invocation rethrows it with `name` = the code.
 */
export type Family = 'CBC' | 'USG';
export type Language = 'zh-CN' | 'en-US';

interface CodeSpec {
  status: number;
  family: Family;
  en: string;
  zh: string;
}

export const ERROR_CODES = {
  'CBC.0000': { status: 200, family: 'CBC', en: 'success', zh: 'success' },
  'CBC.0100': { status: 400, family: 'CBC', en: 'Parameter error.', zh: '参数错误。' },
  'APIG.0301': { status: 401, family: 'CBC', en: 'Incorrect IAM authentication information.', zh: 'IAM 认证信息错误。' },
  'CBC.0151': { status: 403, family: 'CBC', en: 'Access denied.', zh: '访问被拒绝。' },
  'CBC.0154': { status: 403, family: 'CBC', en: 'The token is invalid or has expired.', zh: 'Token 无效或已过期。' },
  'CBC.0250': { status: 429, family: 'CBC', en: 'Flow control. Try again later.', zh: '流量控制，请稍后重试。' },
  'CBC.0503': { status: 503, family: 'CBC', en: 'The service is busy. Try again later.', zh: '服务繁忙，请稍后重试。' },
  'CBC.0999': { status: 500, family: 'CBC', en: 'Other errors.', zh: '其他错误。' },
  'USG.000000001': { status: 400, family: 'USG', en: 'Invalid parameters.', zh: '参数无效。' },
  'USG.000000004': {
    status: 401,
    family: 'USG',
    en: 'Authentication failed: the access token is missing, invalid or expired.',
    zh: '鉴权失败：访问令牌缺失、无效或已过期。',
  },
  'USG.000000005': { status: 403, family: 'USG', en: 'Insufficient permissions.', zh: '权限不足。' },
  'USG.000000006': {
    status: 403,
    family: 'USG',
    en: 'The CAPTCHA token is missing, invalid, expired or already used.',
    zh: '图形验证令牌缺失、无效、已过期或已被使用。',
  },
  'USG.201040000': { status: 400, family: 'USG', en: 'The account does not exist.', zh: '账号不存在。' },
  'USG.201040002': {
    status: 400,
    family: 'USG',
    en: 'The account has no contact for the requested send method.',
    zh: '账号未绑定所请求发送方式的联系方式。',
  },
  'USG.201040003': {
    status: 400,
    family: 'USG',
    en: 'Verification codes cannot be sent to this number by the requested method: it cannot receive them, or its country is not served.',
    zh: '无法通过所请求的方式向该号码发送验证码：该号码无法接收，或其所属国家/地区不在服务范围内。',
  },
  'USG.201040004': {
    status: 400,
    family: 'USG',
    en: 'Verification codes cannot be sent to this destination: an email to it bounced or was reported as spam, or the number opted out.',
    zh: '无法向该联系方式发送验证码：发往该邮箱的邮件被退回或被举报为垃圾邮件，或该号码已退订。',
  },
  'USG.201050001': { status: 400, family: 'USG', en: 'The verification code is incorrect.', zh: '验证码错误。' },
  'USG.201050002': {
    status: 400,
    family: 'USG',
    en: 'The verification code has expired or is invalid. Request a new one.',
    zh: '验证码已过期或已失效，请重新获取。',
  },
  'USG.201050003': { status: 429, family: 'USG', en: 'Too many verification attempts. Try again later.', zh: '验证次数过多，请稍后重试。' },
  'USG.201050004': {
    status: 429,
    family: 'USG',
    en: 'Verification codes are sent too often. Try again later.',
    zh: '验证码发送过于频繁，请稍后重试。',
  },
  'USG.000000503': {
    status: 503,
    family: 'USG',
    en: 'The service is temporarily unavailable. Try again later.',
    zh: '服务暂时不可用，请稍后重试。',
  },
  'USG.000000500': { status: 500, family: 'USG', en: 'Internal server error.', zh: '服务器内部错误。' },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes whose meaning exists in both families, picked by the operation's family. */
export const FAMILY_CODES = {
  CBC: { invalid: 'CBC.0100', internal: 'CBC.0999', unavailable: 'CBC.0503', success: 'CBC.0000' },
  USG: { invalid: 'USG.000000001', internal: 'USG.000000500', unavailable: 'USG.000000503', success: 'USG.000000000' },
} as const;

export interface ServiceErrorOptions {
  /** Extra fields of the response body, e.g. `remaining_attempts`, `retry_after`. */
  fields?: Record<string, string | number | null>;
  /** Seconds for the `Retry-After` header (also added to the body as `retry_after`). */
  retryAfterSeconds?: number;
  /** Internal explanation for logs; never sent to the caller. */
  detail?: string;
  /** Facts for the request's audit record (e.g. the AK a refused signature claimed); never sent to the caller. */
  audit?: Record<string, string | number | boolean>;
}

export class ServiceError extends Error {
  override name = 'ServiceError';
  readonly code: ErrorCode;
  readonly fields: Record<string, string | number | null>;
  readonly retryAfterSeconds: number | undefined;
  readonly detail: string | undefined;
  readonly audit: Record<string, string | number | boolean> | undefined;

  constructor(code: ErrorCode, options: ServiceErrorOptions = {}) {
    super(`${code}${options.detail ? `: ${options.detail}` : ''}`);
    this.code = code;
    this.retryAfterSeconds = options.retryAfterSeconds === undefined ? undefined : Math.max(1, Math.ceil(options.retryAfterSeconds));
    this.fields = { ...options.fields, ...(this.retryAfterSeconds === undefined ? {} : { retry_after: this.retryAfterSeconds }) };
    this.detail = options.detail;
    this.audit = options.audit;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

/** The family's generic parameter error, with the reason kept for logs only. */
export function invalidParameters(family: Family, detail: string): ServiceError {
  return new ServiceError(FAMILY_CODES[family].invalid, { detail });
}

export function messageFor(code: ErrorCode, language: Language): string {
  const spec = ERROR_CODES[code];
  return language === 'zh-CN' ? spec.zh : spec.en;
}

/**
 * Outcomes of the customer events (registerCustomer / deregisterCustomer), in the same `FAMILY.NNNN`
 * form as the codes above: an audit record's outcome is always a code of one of these two tables.
 * Events have no HTTP answer; the status says how the message ended (200 done, 400 refused for
 * good, 500 to be retried).
 */
export const EVENT_CODES = {
  'CUS.0000': { status: 200, meaning: 'registered' },
  'CUS.0001': { status: 200, meaning: 'already registered (replay)' },
  'CUS.0002': { status: 200, meaning: 'deregistered' },
  'CUS.0003': { status: 200, meaning: 'not registered (replay or unknown customer)' },
  'CUS.0100': { status: 400, meaning: 'invalid event (InvalidCustomerEvent)' },
  'CUS.0409': { status: 400, meaning: 'identity already claimed (IdentityConflict)' },
  'CUS.0999': { status: 500, meaning: 'failed; the message is retried' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type EventCode = keyof typeof EVENT_CODES;

/** Outcomes of deliverCode (one audit record per delivery request it settles). */
export const DELIVERY_CODES = {
  'DLV.0000': { status: 200, meaning: 'accepted: the provider took the message (its receipt says whether it arrived)' },
  'DLV.0502': { status: 502, meaning: 'not sent: the provider refused it, or its answer was lost; the send was refunded' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type DeliveryCode = keyof typeof DELIVERY_CODES;

/** Outcomes of recordReceipt (one audit record per receipt that changed something). */
export const RECEIPT_CODES = {
  'RCP.0000': { status: 200, meaning: 'delivered: the provider reports the message reached the phone or the mailbox' },
  'RCP.0001': { status: 200, meaning: 'complained: the recipient reported the email as spam; the destination is suppressed' },
  'RCP.0502': { status: 502, meaning: 'failed: the provider reports the message undeliverable; the send was refunded' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ReceiptCode = keyof typeof RECEIPT_CODES;

/** Outcomes of the operator's suppression command (scripts/suppression.ts), one audit record per lifted suppression. */
export const SUPPRESSION_CODES = {
  'SUP.0000': { status: 200, meaning: 'lifted: an operator removed the suppression (npm run suppression -- remove)' },
} as const satisfies Record<string, { status: number; meaning: string }>;
