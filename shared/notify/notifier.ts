import type { Channel } from '../channels.js';
import type { Language } from '../errors.js';

export interface CodeMessage {
  channel: Channel;
  /** E.164 number or normalized email. */
  to: string;
  code: string;
  expireSeconds: number;
  language: Language;
  requestId: string;
}

/**
 * The delivery port: in AWS an adapter per channel (shared/notify/aws.ts), locally the outbox file.
 * `deliver` resolves once the provider accepted the message. It throws DeliveryOutcomeUnknown when the
 * provider may have taken it without saying so (a timeout, a lost answer), which deliverCode never
 * retries; any other error means the message was refused and not sent, which it may retry.
 */
export interface Notifier {
  deliver(message: CodeMessage): Promise<void>;
}

/**
 * Sends a message on one channel through its provider (shared/notify/aws.ts has one per channel); resolves
 * once the provider accepted it. The call carries the request budget's abort signal.
 */
export type ChannelAdapter = (message: CodeMessage, callOptions: { abortSignal?: AbortSignal }) => Promise<void>;

/** The provider may or may not have taken the message: sending it again could deliver it twice. */
export class DeliveryOutcomeUnknown extends Error {
  override name = 'DeliveryOutcomeUnknown';
  constructor(override readonly cause: unknown) {
    super(`the provider's answer was lost: ${cause instanceof Error ? cause.name : String(cause)}`);
  }
}

export const SERVICE_NAME = 'verigate';

function lifetime(seconds: number, language: Language): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (language === 'zh-CN') return rest === 0 ? `${minutes} 分钟` : `${seconds} 秒`;
  if (rest === 0) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  return `${seconds} seconds`;
}

/** The localized text of a code message: names the service and the lifetime. */
export function messageText(m: Pick<CodeMessage, 'code' | 'expireSeconds' | 'language'>): { subject: string; body: string } {
  if (m.language === 'zh-CN') {
    return {
      subject: `【${SERVICE_NAME}】验证码`,
      body: `【${SERVICE_NAME}】您的验证码是 ${m.code}，${lifetime(m.expireSeconds, m.language)}内有效。请勿将验证码告知他人。`,
    };
  }
  return {
    subject: `[${SERVICE_NAME}] Your verification code`,
    body: `[${SERVICE_NAME}] Your verification code is ${m.code}. It expires in ${lifetime(m.expireSeconds, m.language)}. Do not share it with anyone.`,
  };
}
