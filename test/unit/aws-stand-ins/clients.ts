// The official AWS SDK v3 clients, pointed at a stand-in: an implementation of each protocol that is not ours,
// so a stand-in that passes these tests speaks what AWS's own clients speak.
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PinpointSMSVoiceV2Client } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { STAND_IN_CREDENTIALS } from '../../support/aws/sigv4.js';

export interface ClientOptions {
  endpoint: string;
  region?: string;
  maxAttempts?: number;
  /** ms; the handler throws a TimeoutError when no answer arrives in time. */
  requestTimeout?: number;
}

const config = (o: ClientOptions) => ({
  region: o.region ?? 'ap-east-1',
  endpoint: o.endpoint,
  credentials: STAND_IN_CREDENTIALS,
  maxAttempts: o.maxAttempts ?? 1,
  requestHandler: { requestTimeout: o.requestTimeout ?? 2000, connectionTimeout: 1000, throwOnRequestTimeout: true },
});

export const smsVoiceClient = (o: ClientOptions) => new PinpointSMSVoiceV2Client(config(o));
export const sesClient = (o: ClientOptions) => new SESv2Client(config(o));
export const eventBridgeClient = (o: ClientOptions) => new EventBridgeClient(config(o));

/** The rejection of a promise, for assertions on an SDK's typed exception and its fields. */
export async function rejection(p: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await p;
  } catch (e) {
    return e as Error & Record<string, unknown>;
  }
  throw new Error('expected the call to fail, and it succeeded');
}
