import {
  ConflictException,
  PutMessageFeedbackCommand,
  ResourceNotFoundException,
  SendTextMessageCommand,
  SendVoiceMessageCommand,
  ServiceQuotaExceededException,
  ValidationException,
  type PinpointSMSVoiceV2Client,
  type SendTextMessageCommandInput,
} from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snsLambdaEvent } from '../../support/aws/deliveries.js';
import { SIMULATOR_NUMBERS, type SmsVoiceEventRecord } from '../../support/aws/sms-voice-simulator.js';
import {
  smsVoiceEventBridgeEvent,
  startSmsVoiceStandIn,
  type SmsVoiceStandIn,
  type SmsVoiceStandInOptions,
} from '../../support/aws/sms-voice-v2.js';
import { rejection, smsVoiceClient } from './clients.js';

const HK_SUCCESS = '+85257048426';
const HK_FAILURE = '+85257048854';
const CONFIGURATION_SET = 'verigate-codes';
const ACCOUNT: SmsVoiceStandInOptions = {
  configurationSets: { [CONFIGURATION_SET]: { eventDestinations: [{ name: 'receipts', matchingEventTypes: ['ALL'] }] } },
  protectConfigurations: { 'protect-verigate': { blockedCountries: ['RU'] } },
  allowedCountries: ['HK', 'CN'],
};
const text = (o: Partial<SendTextMessageCommandInput> = {}): SendTextMessageCommandInput => ({
  DestinationPhoneNumber: HK_SUCCESS,
  OriginationIdentity: 'VERIGATE',
  MessageBody: 'Your verigate code is 123456',
  MessageType: 'TRANSACTIONAL',
  ConfigurationSetName: CONFIGURATION_SET,
  TimeToLive: 180,
  Context: { deliveryRequestId: 'req-1' },
  ...o,
});

let eum: SmsVoiceStandIn;
let client: PinpointSMSVoiceV2Client;
async function start(o: SmsVoiceStandInOptions = ACCOUNT) {
  await eum?.close();
  eum = await startSmsVoiceStandIn(o);
  client = smsVoiceClient({ endpoint: eum.endpoint });
}
beforeEach(() => start());
afterEach(async () => {
  client.destroy();
  await eum.close();
});

const finalEvent = async (messageId: string) =>
  (await eum.sink.waitFor((d) => d.some((x) => x.record.messageId === messageId && x.record.isFinal)))
    .map((d) => d.record)
    .filter((r) => r.messageId === messageId);

describe('SendTextMessage', () => {
  it('accepts a message to a success simulator number and answers its MessageId, as the SDK reads it', async () => {
    const out = await client.send(new SendTextMessageCommand(text()));
    expect(out.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    const call = eum.calls[0]!;
    expect(call.operation).toBe('SendTextMessage');
    expect(call.headers['x-amz-target']).toBe('PinpointSMSVoiceV2.SendTextMessage');
    expect(call.headers['content-type']).toBe('application/x-amz-json-1.0');
    expect(call.signature).toMatchObject({ service: 'sms-voice', region: 'ap-east-1' });
    expect(call.input).toMatchObject({ DestinationPhoneNumber: HK_SUCCESS, Context: { deliveryRequestId: 'req-1' }, TimeToLive: 180 });
  });

  it("publishes the success simulator's events to the configuration set's event destination, shaped as AWS documents them", async () => {
    const { MessageId } = await client.send(new SendTextMessageCommand(text()));
    await eum.sink.waitFor((d) => d.length === 2);
    const [successful, delivered] = eum.sink.records();
    expect(eum.sink.delivered.map((d) => [d.configurationSet, d.eventDestination])).toEqual([
      [CONFIGURATION_SET, 'receipts'],
      [CONFIGURATION_SET, 'receipts'],
    ]);
    expect(successful).toEqual({
      eventType: 'TEXT_SUCCESSFUL',
      eventVersion: '1.0',
      eventTimestamp: expect.any(Number),
      isFinal: true,
      originationPhoneNumber: 'VERIGATE',
      destinationPhoneNumber: HK_SUCCESS,
      isoCountryCode: 'HK',
      isInternationalSend: false,
      messageId: MessageId,
      messageRequestTimestamp: expect.any(Number),
      messageEncoding: 'GSM',
      messageType: 'TRANSACTIONAL',
      messageStatus: 'SUCCESSFUL',
      messageStatusDescription: 'Message has been accepted by phone carrier',
      context: { deliveryRequestId: 'req-1' },
      totalMessageParts: 1,
      totalMessagePrice: 0.00581,
      totalCarrierFee: 0,
    });
    expect(delivered).toMatchObject({ eventType: 'TEXT_DELIVERED', messageStatus: 'DELIVERED', isFinal: true, messageId: MessageId });
    expect(delivered!.eventTimestamp).toBeGreaterThan(successful!.eventTimestamp);
    expect(successful!.eventTimestamp).toBeGreaterThan(successful!.messageRequestTimestamp);
  });

  it("reports the failure simulator's failure as a final failure event (TEXT_UNREACHABLE unless told otherwise)", async () => {
    const { MessageId } = await client.send(new SendTextMessageCommand(text({ DestinationPhoneNumber: HK_FAILURE })));
    expect(await finalEvent(MessageId!)).toEqual([
      expect.objectContaining({ eventType: 'TEXT_UNREACHABLE', messageStatus: 'UNREACHABLE', isFinal: true, isoCountryCode: 'HK' }),
    ]);
    await start({ ...ACCOUNT, simulatorFailure: 'TEXT_CARRIER_BLOCKED' });
    const second = await client.send(new SendTextMessageCommand(text({ DestinationPhoneNumber: HK_FAILURE })));
    expect((await finalEvent(second.MessageId!))[0]).toMatchObject({ eventType: 'TEXT_CARRIER_BLOCKED', messageStatus: 'CARRIER_BLOCKED' });
  });

  it('gives every documented simulator number its documented outcome, whatever the allowed countries', async () => {
    await start({ ...ACCOUNT, allowedCountries: ['CN'] });
    for (const s of SIMULATOR_NUMBERS) {
      const { MessageId } = await client.send(new SendTextMessageCommand(text({ DestinationPhoneNumber: s.phoneNumber })));
      const events = await finalEvent(MessageId!);
      expect(events.at(-1), `${s.country} ${s.outcome} ${s.phoneNumber}`).toMatchObject({
        isoCountryCode: s.isoCountryCode,
        eventType: s.outcome === 'success' ? 'TEXT_DELIVERED' : 'TEXT_UNREACHABLE',
      });
    }
    expect(SIMULATOR_NUMBERS.filter((s) => s.isoCountryCode === 'HK').map((s) => s.phoneNumber)).toEqual([HK_SUCCESS, HK_FAILURE]);
  });

  it('delivers an ordinary number in an allowed country, and refuses one outside the allowed countries with DESTINATION_COUNTRY_BLOCKED', async () => {
    const { MessageId } = await client.send(new SendTextMessageCommand(text({ DestinationPhoneNumber: '+8613812345678' })));
    expect((await finalEvent(MessageId!)).at(-1)).toMatchObject({ eventType: 'TEXT_DELIVERED', isoCountryCode: 'CN' });
    const e = await rejection(client.send(new SendTextMessageCommand(text({ DestinationPhoneNumber: '+14155550123' }))));
    expect(e).toBeInstanceOf(ValidationException);
    expect(e).toMatchObject({
      name: 'ValidationException',
      Reason: 'DESTINATION_COUNTRY_BLOCKED',
      Fields: [{ Name: 'DestinationPhoneNumber', Message: expect.any(String) }],
    });
    expect((e as unknown as ValidationException).$metadata.httpStatusCode).toBe(400);
  });

  it.each([
    [
      'a destination that is not E.164',
      { DestinationPhoneNumber: '85257048426x' },
      'FIELD_VALIDATION_FAILED',
      'DestinationPhoneNumber',
      'Member must satisfy regular expression pattern: ^\\+?[1-9][0-9]{1,18}$',
    ],
    ['no destination', { DestinationPhoneNumber: undefined }, 'MISSING_PARAMETER', 'DestinationPhoneNumber', 'Member must not be null'],
    [
      'a TimeToLive under 5 s',
      { TimeToLive: 4 },
      'FIELD_VALIDATION_FAILED',
      'TimeToLive',
      'Member must have value greater than or equal to 5',
    ],
    [
      'a body over 1600 characters',
      { MessageBody: 'x'.repeat(1601) },
      'FIELD_VALIDATION_FAILED',
      'MessageBody',
      'Member must have length less than or equal to 1600',
    ],
    [
      'a blank body',
      { MessageBody: '   ' },
      'FIELD_VALIDATION_FAILED',
      'MessageBody',
      'Member must satisfy regular expression pattern: ^(?!\\s*$)[\\s\\S]+$',
    ],
    [
      'an unknown MessageType',
      { MessageType: 'URGENT' as 'PROMOTIONAL' },
      'FIELD_VALIDATION_FAILED',
      'MessageType',
      'Member must satisfy enum value set: [TRANSACTIONAL, PROMOTIONAL]',
    ],
    [
      'a MaxPrice of 100 dollars or more',
      { MaxPrice: '100.5' },
      'FIELD_VALIDATION_FAILED',
      'MaxPrice',
      'Member must satisfy regular expression pattern: ^[0-9]{0,2}\\.[0-9]{1,5}$',
    ],
    [
      'six Context entries',
      { Context: Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`k${i}`, 'v'])) },
      'FIELD_VALIDATION_FAILED',
      'Context',
      'Member must have length less than or equal to 5',
    ],
    [
      'a Context value with leading space',
      { Context: { requestId: ' padded' } },
      'FIELD_VALIDATION_FAILED',
      'Context.requestId',
      'Member must satisfy regular expression pattern: ^(?!\\s)^[\\s\\S]+(?<!\\s)$',
    ],
    [
      'an origination identity with a space',
      { OriginationIdentity: 'has space' },
      'FIELD_VALIDATION_FAILED',
      'OriginationIdentity',
      'Member must satisfy regular expression pattern: ^[A-Za-z0-9_:/+-]+$',
    ],
  ] as const)('refuses %s with a ValidationException the SDK types', async (_what, override, reason, field, message) => {
    const e = await rejection(client.send(new SendTextMessageCommand(text(override))));
    expect(e).toBeInstanceOf(ValidationException);
    expect(e).toMatchObject({ Reason: reason, Fields: [{ Name: field, Message: message }] });
    expect(e.message).toMatch(/^1 validation error detected: Value .* at '.+' failed to satisfy constraint: /);
    expect(eum.messages).toHaveLength(0);
  });

  it('refuses a configuration set that does not exist with ResourceNotFoundException naming it', async () => {
    const e = await rejection(client.send(new SendTextMessageCommand(text({ ConfigurationSetName: 'nope' }))));
    expect(e).toBeInstanceOf(ResourceNotFoundException);
    expect(e).toMatchObject({ ResourceType: 'configuration-set', ResourceId: 'nope' });
  });

  it('accepts a configuration set named by its ARN', async () => {
    const arn = `arn:aws:sms-voice:ap-east-1:123456789012:configuration-set/${CONFIGURATION_SET}`;
    const { MessageId } = await client.send(new SendTextMessageCommand(text({ ConfigurationSetName: arn })));
    expect((await finalEvent(MessageId!)).at(-1)!.eventType).toBe('TEXT_DELIVERED');
  });

  it('refuses an opted-out destination with ConflictException DESTINATION_PHONE_NUMBER_OPTED_OUT', async () => {
    eum.optOut('+8613812345678');
    const e = await rejection(client.send(new SendTextMessageCommand(text({ DestinationPhoneNumber: '+8613812345678' }))));
    expect(e).toBeInstanceOf(ConflictException);
    expect(e).toMatchObject({
      Reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
      ResourceType: 'opted-out-number',
      ResourceId: '+8613812345678',
    });
  });

  it('refuses a country its protect configuration blocks, and names the protect configuration in the events of the ones it lets through', async () => {
    await start({ ...ACCOUNT, allowedCountries: undefined });
    const e = await rejection(
      client.send(new SendTextMessageCommand(text({ DestinationPhoneNumber: '+79161234567', ProtectConfigurationId: 'protect-verigate' }))),
    );
    expect(e).toMatchObject({
      name: 'ConflictException',
      Reason: 'DESTINATION_COUNTRY_BLOCKED_BY_PROTECT_CONFIGURATION',
      ResourceId: 'protect-verigate',
    });
    const { MessageId } = await client.send(new SendTextMessageCommand(text({ ProtectConfigurationId: 'protect-verigate' })));
    expect((await finalEvent(MessageId!))[0]!.protectConfiguration).toEqual({
      protectConfigurationId: 'protect-verigate',
      protectStatus: 'ALLOW',
    });
    expect(await rejection(client.send(new SendTextMessageCommand(text({ ProtectConfigurationId: 'protect-other' }))))).toMatchObject({
      name: 'ResourceNotFoundException',
      ResourceType: 'protect-configuration',
    });
  });

  it('does not send a message dearer than MaxPrice (PRICE_OVER_THRESHOLD), counting its parts', async () => {
    const seventyOneHan = '验'.repeat(71);
    const e = await rejection(client.send(new SendTextMessageCommand(text({ MessageBody: seventyOneHan, MaxPrice: '0.00600' }))));
    expect(e).toMatchObject({ name: 'ValidationException', Reason: 'PRICE_OVER_THRESHOLD' });
    const { MessageId } = await client.send(new SendTextMessageCommand(text({ MessageBody: seventyOneHan, MaxPrice: '0.02' })));
    expect((await finalEvent(MessageId!))[0]).toMatchObject({
      messageEncoding: 'Unicode',
      totalMessageParts: 2,
      totalMessagePrice: 0.01162,
    });
  });

  it('refuses a send past the monthly spend limit with ServiceQuotaExceededException', async () => {
    await start({ ...ACCOUNT, monthlySpendLimit: { text: 0.01 } });
    await client.send(new SendTextMessageCommand(text()));
    const e = await rejection(client.send(new SendTextMessageCommand(text())));
    expect(e).toBeInstanceOf(ServiceQuotaExceededException);
    expect(e).toMatchObject({ Reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT' });
  });

  it('expires a message whose TimeToLive is shorter than its hand-off (TEXT_TTL_EXPIRED)', async () => {
    await start({ ...ACCOUNT, handoffSeconds: { HK: 30 } });
    const { MessageId } = await client.send(new SendTextMessageCommand(text({ TimeToLive: 10 })));
    expect(await finalEvent(MessageId!)).toEqual([expect.objectContaining({ eventType: 'TEXT_TTL_EXPIRED', isFinal: true })]);
  });

  it('reports a number that cannot exist as TEXT_INVALID', async () => {
    const { MessageId } = await client.send(new SendTextMessageCommand(text({ DestinationPhoneNumber: '+85200000' })));
    expect(await finalEvent(MessageId!)).toEqual([expect.objectContaining({ eventType: 'TEXT_INVALID' })]);
  });

  it('publishes nothing for a dry run or for a message without a configuration set', async () => {
    const dry = await client.send(new SendTextMessageCommand(text({ DryRun: true })));
    expect(dry.MessageId).toBeDefined();
    await client.send(new SendTextMessageCommand(text({ ConfigurationSetName: undefined })));
    const { MessageId } = await client.send(new SendTextMessageCommand(text()));
    await finalEvent(MessageId!);
    expect(new Set(eum.sink.records().map((r) => r.messageId))).toEqual(new Set([MessageId]));
    expect(eum.messages.map((m) => m.dryRun)).toEqual([true, false, false]);
  });

  it('sends each event destination only the event types it matches', async () => {
    await start({
      ...ACCOUNT,
      configurationSets: {
        [CONFIGURATION_SET]: {
          eventDestinations: [
            { name: 'delivered-only', matchingEventTypes: ['TEXT_DELIVERED'] },
            { name: 'voice', matchingEventTypes: ['VOICE_ALL'] },
            { name: 'disabled', matchingEventTypes: ['ALL'], enabled: false },
            { name: 'all-text', matchingEventTypes: ['TEXT_ALL'] },
          ],
        },
      },
    });
    await client.send(new SendTextMessageCommand(text()));
    await eum.sink.waitFor((d) => d.length === 3);
    expect(eum.sink.delivered.map((d) => `${d.eventDestination}:${d.record.eventType}`)).toEqual([
      'all-text:TEXT_SUCCESSFUL',
      'delivered-only:TEXT_DELIVERED',
      'all-text:TEXT_DELIVERED',
    ]);
  });

  it('refuses an origination identity that does not exist, and a simulator origination number sending abroad', async () => {
    await start({
      ...ACCOUNT,
      originationIdentities: { '+12065550100': { isoCountryCode: 'US', simulator: true }, VERIGATE: { isoCountryCode: 'HK' } },
    });
    expect(await rejection(client.send(new SendTextMessageCommand(text({ OriginationIdentity: 'pool-abc' }))))).toMatchObject({
      name: 'ResourceNotFoundException',
      ResourceType: 'pool',
      ResourceId: 'pool-abc',
    });
    expect(await rejection(client.send(new SendTextMessageCommand(text({ OriginationIdentity: '+12065550100' }))))).toMatchObject({
      name: 'ValidationException',
      Reason: 'INVALID_IDENTITY_FOR_DESTINATION_COUNTRY',
    });
    const { MessageId } = await client.send(
      new SendTextMessageCommand(text({ OriginationIdentity: '+12065550100', DestinationPhoneNumber: '+14254147755' })),
    );
    expect((await finalEvent(MessageId!))[0]).toMatchObject({
      originationPhoneNumber: '+12065550100',
      isoCountryCode: 'US',
      isInternationalSend: false,
    });
  });
});

describe('SendVoiceMessage', () => {
  const voice = { DestinationPhoneNumber: '+85221234567', OriginationIdentity: '+85230001234', ConfigurationSetName: CONFIGURATION_SET };

  it('places a call whose events run from VOICE_INITIATED to a final VOICE_COMPLETED', async () => {
    const body = '<speak>Your verigate code is <say-as interpret-as="digits">123456</say-as>.</speak>';
    const { MessageId } = await client.send(
      new SendVoiceMessageCommand({
        ...voice,
        MessageBody: body,
        MessageBodyTextType: 'SSML',
        VoiceId: 'ZHIYU',
        Context: { deliveryRequestId: 'req-2' },
      }),
    );
    const events = await finalEvent(MessageId!);
    expect(events.map((e) => [e.eventType, e.isFinal])).toEqual([
      ['VOICE_INITIATED', false],
      ['VOICE_RINGING', false],
      ['VOICE_ANSWERED', false],
      ['VOICE_COMPLETED', true],
    ]);
    expect(events[3]).toMatchObject({
      messageStatus: 'COMPLETED',
      isoCountryCode: 'HK',
      context: { deliveryRequestId: 'req-2' },
      totalMessagePrice: 0.013,
    });
    expect(events[3]).not.toHaveProperty('totalMessageParts');
    expect(eum.calls[0]!.headers['x-amz-target']).toBe('PinpointSMSVoiceV2.SendVoiceMessage');
  });

  it('ends an unanswered call with VOICE_NO_ANSWER when the destination is set to ring out', async () => {
    await start({ ...ACCOUNT, outcomes: { '+85221234567': 'VOICE_NO_ANSWER' } });
    const { MessageId } = await client.send(new SendVoiceMessageCommand({ ...voice, MessageBody: 'one two three' }));
    expect((await finalEvent(MessageId!)).map((e) => e.eventType)).toEqual(['VOICE_INITIATED', 'VOICE_RINGING', 'VOICE_NO_ANSWER']);
  });

  it.each([
    ['no origination identity', { OriginationIdentity: undefined }, 'MISSING_PARAMETER', 'OriginationIdentity'],
    ['an unknown voice', { VoiceId: 'HAL' }, 'FIELD_VALIDATION_FAILED', 'VoiceId'],
    ['a TEXT body over 3000 characters', { MessageBody: 'x'.repeat(3001) }, 'FIELD_VALIDATION_FAILED', 'MessageBody'],
    ['SSML without a <speak> root', { MessageBody: 'no root element', MessageBodyTextType: 'SSML' }, 'INVALID_PARAMETER', 'MessageBody'],
  ])('refuses %s with a ValidationException the SDK types', async (_what, override, reason, field) => {
    const e = await rejection(
      client.send(new SendVoiceMessageCommand({ ...voice, MessageBody: 'one two three', ...(override as object) })),
    );
    expect(e).toBeInstanceOf(ValidationException);
    expect(e).toMatchObject({ Reason: reason, Fields: [expect.objectContaining({ Name: field })] });
  });

  it('refuses voice from an identity without the VOICE capability', async () => {
    await start({ ...ACCOUNT, originationIdentities: { VERIGATE: { isoCountryCode: 'HK', capabilities: ['SMS'] } } });
    const e = await rejection(
      client.send(new SendVoiceMessageCommand({ ...voice, OriginationIdentity: 'VERIGATE', MessageBody: 'one two three' })),
    );
    expect(e).toMatchObject({ name: 'ValidationException', Reason: 'VOICE_CAPABILITY_NOT_AVAILABLE' });
  });
});

describe('PutMessageFeedback', () => {
  it('records the feedback of a sent message and echoes it', async () => {
    const { MessageId } = await client.send(new SendTextMessageCommand(text({ MessageFeedbackEnabled: true })));
    const out = await client.send(new PutMessageFeedbackCommand({ MessageId, MessageFeedbackStatus: 'RECEIVED' }));
    expect(out).toMatchObject({ MessageId, MessageFeedbackStatus: 'RECEIVED' });
    expect(eum.messages[0]).toMatchObject({ feedbackEnabled: true, feedback: 'RECEIVED' });
  });

  it('refuses feedback for a message it never sent (ResourceNotFoundException, ResourceType message)', async () => {
    const e = await rejection(client.send(new PutMessageFeedbackCommand({ MessageId: 'not-a-message', MessageFeedbackStatus: 'FAILED' })));
    expect(e).toBeInstanceOf(ResourceNotFoundException);
    expect(e).toMatchObject({ ResourceType: 'message', ResourceId: 'not-a-message' });
    const v = await rejection(
      client.send(new PutMessageFeedbackCommand({ MessageId: 'not-a-message', MessageFeedbackStatus: 'SEEN' as 'FAILED' })),
    );
    expect(v).toMatchObject({
      name: 'ValidationException',
      Fields: [{ Name: 'MessageFeedbackStatus', Message: 'Member must satisfy enum value set: [RECEIVED, FAILED]' }],
    });
  });
});

describe('the event as it reaches a function', () => {
  it('wraps a record in the Lambda event of an SNS subscription, the record as the JSON Message', async () => {
    const { MessageId } = await client.send(new SendTextMessageCommand(text()));
    const [record] = await finalEvent(MessageId!);
    const topicArn = 'arn:aws:sns:ap-east-1:123456789012:verigate-sms-receipts';
    const event = snsLambdaEvent(record, { topicArn }, new Date('2026-01-02T03:04:05.678Z'));
    expect(event.Records).toHaveLength(1);
    expect(event.Records[0]).toMatchObject({
      EventVersion: '1.0',
      EventSource: 'aws:sns',
      EventSubscriptionArn: expect.stringMatching(new RegExp(`^${topicArn}:[0-9a-f-]{36}$`)),
      Sns: {
        Type: 'Notification',
        TopicArn: topicArn,
        Timestamp: '2026-01-02T03:04:05.678Z',
        MessageId: expect.any(String),
        SignatureVersion: '1',
      },
    });
    expect(JSON.parse(event.Records[0]!.Sns.Message) as SmsVoiceEventRecord).toEqual(record);
  });

  it('wraps a record in the EventBridge event AWS End User Messaging sends (source aws.sms-voice)', async () => {
    const { MessageId } = await client.send(
      new SendVoiceMessageCommand({
        DestinationPhoneNumber: HK_SUCCESS,
        OriginationIdentity: 'VERIGATE',
        ConfigurationSetName: CONFIGURATION_SET,
      }),
    );
    const events = await finalEvent(MessageId!);
    const e = smsVoiceEventBridgeEvent(events.at(-1)!, { account: eum.accountId, region: eum.region });
    expect(e).toMatchObject({
      version: '0',
      source: 'aws.sms-voice',
      'detail-type': 'Voice Message Delivery Status Updated',
      account: '123456789012',
      region: 'ap-east-1',
      resources: [],
    });
    expect(e.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    const textEvent = smsVoiceEventBridgeEvent(
      { ...events[0]!, eventType: 'TEXT_DELIVERED' },
      { account: eum.accountId, region: eum.region },
    );
    expect(textEvent['detail-type']).toBe('Text Message Delivery Status Updated');
  });
});
