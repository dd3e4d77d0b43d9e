// The aws delivery port (shared/notify/aws.ts: End User Messaging SMS and Voice v2 for sms and voice, SES v2
// for email) against the loopback stand-ins of test/support/aws/, written from AWS's documentation: what
// each request carries, what each documented answer means for deliverCode (tried again, refused for good,
// outcome unknown), and that every call ends by its deadline, a stalled body included.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, readProviderSettings } from '../../shared/config.js';
import { withinRequestBudget } from '../../shared/deadline.js';
import { compileMessages } from '../../shared/messages/catalog.js';
import { awsNotifier } from '../../shared/notify/aws.js';
import { DeliveryOutcomeUnknown, DeliveryRefused, type CodeMessage, type Notifier } from '../../shared/notify/notifier.js';
import { ANSWER_RESERVE_MS, DELIVERY_CALL_MS, DELIVERY_TIMEOUT_MS } from '../../shared/policy.js';
import { MAILBOX_SIMULATOR, startSesStandIn, type SesStandIn } from '../support/aws/sesv2.js';
import { STAND_IN_CREDENTIALS } from '../support/aws/sigv4.js';
import { startSmsVoiceStandIn, type SmsVoiceStandIn } from '../support/aws/sms-voice-v2.js';

const SET = 'verigate-test';
const HK_SUCCESS = '+85257048426';
const CN_MOBILE = '+8613612345678';
const CN_FIXED_LINE = '+861012345678';

const config = loadConfig({ STAGE: 'local', MESSAGE_BRAND: 'Acme' });
const providers = readProviderSettings(
  {
    SMS_VOICE_CONFIGURATION_SET: SET,
    SES_CONFIGURATION_SET: SET,
    SMS_ORIGINATION_IDENTITIES: 'HK=phone-hksms,*=pool-sms',
    VOICE_ORIGINATION_IDENTITIES: '*=pool-voice',
    SMS_PROTECT_CONFIGURATION_ID: 'protect-verigate',
    SMS_MAX_PRICE: '0.05',
    VOICE_MAX_PRICE_PER_MINUTE: '0.1',
  },
  config.sms,
);

let eum: SmsVoiceStandIn;
let ses: SesStandIn;
let notifier: Notifier;

beforeAll(async () => {
  [eum, ses] = await Promise.all([
    startSmsVoiceStandIn({
      configurationSets: { [SET]: { eventDestinations: [{ name: 'receipts', matchingEventTypes: ['ALL'] }] } },
      protectConfigurations: { 'protect-verigate': {} },
      originationIdentities: {
        'phone-hksms': { isoCountryCode: 'HK', capabilities: ['SMS'] },
        'pool-sms': { isoCountryCode: 'CN', capabilities: ['SMS'] },
        'pool-voice': { isoCountryCode: 'CN', capabilities: ['VOICE'] },
      },
    }),
    startSesStandIn({
      identities: { 'verigate.example': {} },
      configurationSets: { [SET]: { eventDestinations: [{ name: 'receipts', matchingEventTypes: ['DELIVERY', 'BOUNCE', 'COMPLAINT'] }] } },
    }),
  ]);
  notifier = awsNotifier({
    region: eum.region,
    emailFrom: 'no-reply@verigate.example',
    providers,
    messages: compileMessages(config),
    endpoints: { smsVoice: eum.endpoint, ses: ses.endpoint },
    credentials: STAND_IN_CREDENTIALS,
  });
});
afterAll(async () => {
  await Promise.all([eum?.close(), ses?.close()]);
});
beforeEach(() => {
  eum.faults.clear();
  ses.faults.clear();
});

const message = (o: Partial<CodeMessage> = {}): CodeMessage => ({
  channel: 'sms',
  to: CN_MOBILE,
  code: '042917',
  expireSeconds: 180,
  remainingSeconds: 171.2,
  country: 'CN',
  languages: ['en-US'],
  requestId: 'req-1',
  deliveryRequestId: 'dr-1',
  ...o,
});
const lastInput = (s: { calls: { input: unknown }[] }) => s.calls.at(-1)!.input as Record<string, unknown>;
const failureOf = async (p: Promise<unknown>) => {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the delivery to fail');
};

describe('SMS: SendTextMessage', () => {
  it("carries the text, transactional, from the country's origination identity, through the configuration set with the delivery request's id, the code's remaining life, the price cap and feedback", async () => {
    const { messageId } = await notifier.deliver(message());
    expect(messageId).toBe(eum.messages.at(-1)!.messageId);
    const input = lastInput(eum);
    expect(input).toEqual({
      DestinationPhoneNumber: CN_MOBILE,
      OriginationIdentity: 'pool-sms',
      MessageBody: expect.stringMatching(/^\[Acme\] Your verification code is 042917\./),
      MessageType: 'TRANSACTIONAL',
      ConfigurationSetName: SET,
      ProtectConfigurationId: 'protect-verigate',
      MaxPrice: '0.05',
      TimeToLive: 172,
      Context: { deliveryRequestId: 'dr-1' },
      MessageFeedbackEnabled: true,
    });
    expect(eum.calls.at(-1)!.signature).toMatchObject({ service: 'sms-voice' });
  });

  it("takes a country's own identity before every other country's, and never a TimeToLive under End User Messaging's 5 s", async () => {
    await notifier.deliver(message({ to: HK_SUCCESS, country: 'HK', remainingSeconds: 0.4 }));
    expect(lastInput(eum)).toMatchObject({ OriginationIdentity: 'phone-hksms', TimeToLive: 5 });
  });
});

describe('voice: SendVoiceMessage', () => {
  it("speaks the code digit by digit in SSML, in the language's voice, from the voice identity, to a fixed line too", async () => {
    const { messageId } = await notifier.deliver(message({ channel: 'voice', to: CN_FIXED_LINE, languages: ['zh-CN'] }));
    expect(messageId).toBe(eum.messages.at(-1)!.messageId);
    const input = lastInput(eum);
    expect(input).toMatchObject({
      DestinationPhoneNumber: CN_FIXED_LINE,
      OriginationIdentity: 'pool-voice',
      MessageBodyTextType: 'SSML',
      VoiceId: 'ZHIYU',
      ConfigurationSetName: SET,
      ProtectConfigurationId: 'protect-verigate',
      MaxPricePerMinute: '0.1',
      TimeToLive: 172,
      Context: { deliveryRequestId: 'dr-1' },
      MessageFeedbackEnabled: true,
    });
    expect(String(input.MessageBody)).toMatch(/^<speak>[\s\S]*0<break time="300ms"\/>4<break time="300ms"\/>2[\s\S]*<\/speak>$/);
    expect(eum.messages.at(-1)!.channel).toBe('VOICE');
  });
});

describe('email: SES SendEmail', () => {
  it("goes through the configuration set, tagged with the delivery request's id, text and HTML", async () => {
    const { messageId } = await notifier.deliver(message({ channel: 'email', to: MAILBOX_SIMULATOR.success, country: undefined }));
    expect(messageId).toBe(ses.emails.at(-1)!.messageId);
    const input = lastInput(ses);
    expect(input).toMatchObject({
      FromEmailAddress: 'no-reply@verigate.example',
      Destination: { ToAddresses: [MAILBOX_SIMULATOR.success] },
      ConfigurationSetName: SET,
      EmailTags: [{ Name: 'deliveryRequestId', Value: 'dr-1' }],
    });
    const body = (input.Content as { Simple: { Body: { Text: { Data: string }; Html: { Data: string } } } }).Simple.Body;
    expect(body.Text.Data).toContain('042917');
    expect(body.Html.Data).toContain('042917');
  });
});

describe('what an answered error means', () => {
  it.each([
    ['a throttling', { kind: 'throttle' } as const],
    ["End User Messaging's own fault", { kind: 'server-error' } as const],
    ['a 503', { kind: 'server-error', status: 503 } as const],
  ])('%s is a refusal for now: tried again by deliverCode', async (_, fault) => {
    eum.faults.next(fault);
    const err = await failureOf(notifier.deliver(message()));
    expect(err).not.toBeInstanceOf(DeliveryRefused);
    expect(err).not.toBeInstanceOf(DeliveryOutcomeUnknown);
  });

  it("SES's throttling (429) is a refusal for now too", async () => {
    ses.faults.next({ kind: 'throttle' });
    const err = await failureOf(notifier.deliver(message({ channel: 'email', to: MAILBOX_SIMULATOR.success, country: undefined })));
    expect(err).not.toBeInstanceOf(DeliveryRefused);
    expect(err).not.toBeInstanceOf(DeliveryOutcomeUnknown);
  });

  it.each([
    ['a blocked destination country', 'ValidationException', { Reason: 'DESTINATION_COUNTRY_BLOCKED' }],
    ['a price over the cap', 'ValidationException', { Reason: 'PRICE_OVER_THRESHOLD' }],
    ["the protect configuration's block", 'ConflictException', { Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION' }],
    ['a missing configuration set', 'ResourceNotFoundException', { ResourceType: 'configuration-set', ResourceId: SET }],
    ['the monthly spend limit', 'ServiceQuotaExceededException', { Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' }],
    ['a missing permission', 'AccessDeniedException', { Reason: 'ACCOUNT_DISABLED' }],
  ])('%s is a refusal for good: refunded, never asked again', async (_, code, fields) => {
    eum.faults.next({ kind: 'error', code, fields });
    const err = await failureOf(notifier.deliver(message()));
    expect(err).toBeInstanceOf(DeliveryRefused);
    expect((err as DeliveryRefused).reason).toBe('refused');
  });

  it('an opted-out number is a refusal for good that says so (its destination is then suppressed)', async () => {
    const optedOut = '+8613912345678';
    eum.optOut(optedOut);
    const err = await failureOf(notifier.deliver(message({ to: optedOut })));
    expect(err).toBeInstanceOf(DeliveryRefused);
    expect((err as DeliveryRefused).reason).toBe('opted_out');
  });

  it("SES's MessageRejected is a refusal for good", async () => {
    ses.faults.next({ kind: 'error', code: 'MessageRejected' });
    const err = await failureOf(notifier.deliver(message({ channel: 'email', to: MAILBOX_SIMULATOR.success, country: undefined })));
    expect(err).toBeInstanceOf(DeliveryRefused);
  });
});

describe('a call without an answer', () => {
  it('a hang ends by the answer timeout as an unknown outcome, and the adapter does not ask again', async () => {
    eum.faults.next({ kind: 'hang', effect: true });
    const started = Date.now();
    const err = await failureOf(notifier.deliver(message()));
    expect(err).toBeInstanceOf(DeliveryOutcomeUnknown);
    expect(Date.now() - started).toBeLessThan(DELIVERY_CALL_MS + 500);
    expect(Date.now() - started).toBeGreaterThanOrEqual(DELIVERY_TIMEOUT_MS - 100);
    expect(eum.repeatsOfUnanswered()).toEqual([]);
  });

  it("a stalled body (headers, then nothing) outlasts the SDK's requestTimeout: the call's own deadline ends it, an unknown outcome", async () => {
    eum.faults.next({ kind: 'stall-body', effect: true });
    const started = Date.now();
    const err = await failureOf(notifier.deliver(message()));
    expect(err).toBeInstanceOf(DeliveryOutcomeUnknown);
    expect(Date.now() - started).toBeLessThan(DELIVERY_CALL_MS + 1000);
  });

  it("the request's budget ends a call sooner when less of it is left", async () => {
    eum.faults.next({ kind: 'stall-body', effect: true });
    const started = Date.now();
    // 0.6 s of work left (the answer phase keeps ANSWER_RESERVE_MS).
    const err = await withinRequestBudget(ANSWER_RESERVE_MS + 600, () => failureOf(notifier.deliver(message())));
    expect(err).toBeInstanceOf(DeliveryOutcomeUnknown);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('a closed connection, or a 200 whose body is not the answer (the message may be out), is an unknown outcome', async () => {
    eum.faults.next({ kind: 'close', effect: true });
    expect(await failureOf(notifier.deliver(message()))).toBeInstanceOf(DeliveryOutcomeUnknown);
    eum.faults.next({ kind: 'malformed', effect: true });
    expect(await failureOf(notifier.deliver(message()))).toBeInstanceOf(DeliveryOutcomeUnknown);
  });
});
