// What recordReceipt reads from a receipt (shared/notify/receipts.ts), held to the records the AWS stand-ins
// publish (test/support/aws/, written from AWS's documentation); and the local delivery port's simulator
// (shared/notify/simulator.ts, product code of its own) held to those same stand-ins, number by number and
// address by address: locally a destination ends as it would in AWS.
import { SendTextMessageCommand } from '@aws-sdk/client-pinpoint-sms-voice-v2';
import { SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { compileMessages } from '../../shared/messages/catalog.js';
import type { CodeMessage } from '../../shared/notify/notifier.js';
import { readReceipt, SES_RECEIPT_EVENTS, SMS_VOICE_RECEIPT_EVENTS } from '../../shared/notify/receipts.js';
import { DESTINATION_SIMULATOR, simulatedReceipts } from '../../shared/notify/simulator.js';
import { EICAR, MAILBOX_SIMULATOR, startSesStandIn, type SesEventRecord, type SesStandIn } from '../support/aws/sesv2.js';
import {
  eventsFor,
  SIMULATOR_NUMBERS,
  TEXT_EVENT_TYPES,
  VOICE_EVENT_TYPES,
  type MessageFacts,
  type SmsVoiceEventRecord,
} from '../support/aws/sms-voice-simulator.js';
import { startSmsVoiceStandIn, type SmsVoiceStandIn } from '../support/aws/sms-voice-v2.js';
import { sesClient, smsVoiceClient } from './aws-stand-ins/clients.js';

const SET = 'verigate-test';
const facts: MessageFacts = {
  messageId: 'm-1',
  requestedAt: 1_700_000_000_000,
  originationPhoneNumber: 'pool-1',
  destinationPhoneNumber: '+85257048426',
  isoCountryCode: 'HK',
  isInternationalSend: false,
  context: { deliveryRequestId: 'dr-1' },
  totalMessagePrice: 0.00581,
  text: { encoding: 'GSM', parts: 1, messageType: 'TRANSACTIONAL' },
};

describe("End User Messaging's event records", () => {
  const state = (type: string) => {
    const [record] = eventsFor(facts, [type as SmsVoiceEventRecord['eventType']]);
    return readReceipt(record);
  };

  it.each([...TEXT_EVENT_TYPES, ...VOICE_EVENT_TYPES])('%s is read by its finality and type', (type) => {
    const r = state(type)!;
    expect(r).toMatchObject({ deliveryRequestId: 'dr-1', messageId: 'm-1', reason: type, atMs: facts.requestedAt + 300 });
    const expected = ['TEXT_PENDING', 'TEXT_QUEUED', 'VOICE_INITIATED', 'VOICE_RINGING', 'VOICE_ANSWERED'].includes(type)
      ? 'pending'
      : ['TEXT_SUCCESSFUL', 'TEXT_DELIVERED', 'VOICE_COMPLETED'].includes(type)
        ? 'delivered'
        : 'failed';
    expect(r.state).toBe(expected);
    if (r.state === 'failed') expect(r.suppress).toBeUndefined();
  });

  it('every final state is one the configuration set sends to the receipts topic, and no state that is not final', () => {
    const finals = [...TEXT_EVENT_TYPES, ...VOICE_EVENT_TYPES].filter((t) => state(t)!.state !== 'pending');
    expect([...SMS_VOICE_RECEIPT_EVENTS].sort()).toEqual([...finals].sort());
  });

  it('a record without the delivery request id, or not a record at all, is no receipt of ours', () => {
    const [record] = eventsFor({ ...facts, context: undefined }, ['TEXT_DELIVERED']);
    expect(readReceipt(record)).toBeUndefined();
    expect(readReceipt('TEXT_DELIVERED')).toBeUndefined();
    expect(readReceipt(null)).toBeUndefined();
  });
});

describe("SES's event records, from its mailbox simulator", () => {
  let ses: SesStandIn;
  const client = () => sesClient({ endpoint: ses.endpoint });
  beforeAll(async () => {
    ses = await startSesStandIn({
      accountSuppressed: ['gone@example.com'],
      delayed: ['slow@example.com'],
      configurationSets: {
        [SET]: {
          eventDestinations: [{ name: 'all', matchingEventTypes: ['SEND', 'DELIVERY', 'BOUNCE', 'COMPLAINT', 'REJECT', 'DELIVERY_DELAY'] }],
        },
      },
    });
  });
  afterAll(() => ses.close());

  async function recordsFor(to: string, body = 'code 123456'): Promise<SesEventRecord[]> {
    const { MessageId } = await client().send(
      new SendEmailCommand({
        FromEmailAddress: 'no-reply@verigate.example',
        Destination: { ToAddresses: [to] },
        Content: { Simple: { Subject: { Data: 'code' }, Body: { Text: { Data: body } } } },
        ConfigurationSetName: SET,
        EmailTags: [{ Name: 'deliveryRequestId', Value: 'dr-2' }],
      }),
    );
    await new Promise((r) => setImmediate(r));
    return ses.sink.records().filter((r) => r.mail.messageId === MessageId);
  }
  const read = (records: SesEventRecord[]) =>
    records.map((r) => readReceipt(r)).map((r) => [r!.state, r!.reason, 'suppress' in r! ? r.suppress : undefined]);

  it.each([
    [
      MAILBOX_SIMULATOR.success,
      [
        ['pending', 'Send', undefined],
        ['delivered', 'Delivery', undefined],
      ],
    ],
    [
      MAILBOX_SIMULATOR.bounce,
      [
        ['pending', 'Send', undefined],
        ['failed', 'Bounce/Permanent/General', 'bounce'],
      ],
    ],
    [
      MAILBOX_SIMULATOR.suppressionList,
      [
        ['pending', 'Send', undefined],
        ['failed', 'Bounce/Permanent/Suppressed', 'bounce'],
      ],
    ],
    [
      MAILBOX_SIMULATOR.complaint,
      [
        ['pending', 'Send', undefined],
        ['delivered', 'Delivery', undefined],
        ['complained', 'Complaint/abuse', undefined],
      ],
    ],
    [
      'gone@example.com',
      [
        ['pending', 'Send', undefined],
        ['failed', 'Bounce/Permanent/OnAccountSuppressionList', 'bounce'],
      ],
    ],
    // A soft bounce SES stopped retrying: the message failed, the address may be fine.
    [
      'slow@example.com',
      [
        ['pending', 'Send', undefined],
        ['pending', 'DeliveryDelay', undefined],
        ['failed', 'Bounce/Transient/General', undefined],
      ],
    ],
  ])('%s', async (to, expected) => {
    const records = await recordsFor(to);
    expect(records.every((r) => readReceipt(r)?.deliveryRequestId === 'dr-2' && readReceipt(r)?.messageId === r.mail.messageId)).toBe(true);
    expect(read(records)).toEqual(expected);
  });

  it('a message SES rejects (a virus in it) failed, without suppressing its address', async () => {
    expect(read(await recordsFor(MAILBOX_SIMULATOR.success, EICAR))).toEqual([
      ['pending', 'Send', undefined],
      ['failed', 'Reject/Bad content', undefined],
    ]);
  });

  it('the configuration set sends every event type that settles a delivery', () => {
    expect([...SES_RECEIPT_EVENTS].sort()).toEqual(['bounce', 'complaint', 'delivery', 'deliveryDelay', 'reject']);
  });
});

describe('the local port answers as the AWS simulators do', () => {
  const messages = compileMessages(loadConfig({ STAGE: 'local' }));
  const message = (o: Partial<CodeMessage>): CodeMessage => ({
    channel: 'sms',
    to: '+8613612345678',
    code: '042917',
    expireSeconds: 180,
    remainingSeconds: 180,
    country: undefined,
    languages: ['en-US'],
    requestId: 'r',
    deliveryRequestId: 'dr-3',
    ...o,
  });
  const local = (m: CodeMessage) =>
    simulatedReceipts({
      message: m,
      rendered: messages.render(m.channel, m.languages, m),
      messageId: 'local-1',
      at: new Date(),
      from: 'no-reply@verigate.invalid',
    })
      .map((r) => readReceipt(r)!)
      .filter((r) => r.state !== 'pending');

  let eum: SmsVoiceStandIn;
  let ses: SesStandIn;
  beforeAll(async () => {
    [eum, ses] = await Promise.all([
      startSmsVoiceStandIn({ configurationSets: { [SET]: { eventDestinations: [{ name: 'all', matchingEventTypes: ['ALL'] }] } } }),
      startSesStandIn({
        configurationSets: { [SET]: { eventDestinations: [{ name: 'all', matchingEventTypes: ['DELIVERY', 'BOUNCE', 'COMPLAINT'] }] } },
      }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([eum.close(), ses.close()]);
  });

  it('knows every destination simulator number AWS lists, none more (none for mainland China)', () => {
    expect([...DESTINATION_SIMULATOR].map(([n, s]) => [n, s.isoCountryCode, s.outcome]).sort()).toEqual(
      SIMULATOR_NUMBERS.map((s) => [s.phoneNumber, s.isoCountryCode, s.outcome]).sort(),
    );
    expect([...DESTINATION_SIMULATOR.values()].some((s) => s.isoCountryCode === 'CN')).toBe(false);
  });

  it.each([...SIMULATOR_NUMBERS.map((s) => s.phoneNumber), '+8613612345678'])(
    'an SMS to %s ends as it does in End User Messaging',
    async (to) => {
      const client = smsVoiceClient({ endpoint: eum.endpoint });
      try {
        const { MessageId } = await client.send(
          new SendTextMessageCommand({
            DestinationPhoneNumber: to,
            MessageBody: 'code 042917',
            ConfigurationSetName: SET,
            Context: { deliveryRequestId: 'dr-3' },
          }),
        );
        await new Promise((r) => setImmediate(r));
        const aws = eum.sink
          .records()
          .filter((r) => r.messageId === MessageId)
          .map((r) => readReceipt(r)!)
          .filter((r) => r.state !== 'pending');
        const mine = local(message({ to }));
        expect(mine.map((r) => [r.state, r.reason, r.deliveryRequestId])).toEqual(aws.map((r) => [r.state, r.reason, r.deliveryRequestId]));
      } finally {
        client.destroy();
      }
    },
  );

  it('a voice call completes whatever the number (the simulator covers SMS only), as in the stand-in', () => {
    for (const to of ['+85257048854', '+861012345678'])
      expect(local(message({ channel: 'voice', to })).map((r) => [r.state, r.reason])).toEqual([['delivered', 'VOICE_COMPLETED']]);
  });

  it.each([
    MAILBOX_SIMULATOR.success,
    MAILBOX_SIMULATOR.bounce,
    'bounce+label@simulator.amazonses.com',
    MAILBOX_SIMULATOR.complaint,
    MAILBOX_SIMULATOR.suppressionList,
    MAILBOX_SIMULATOR.ooto,
    'someone@example.com',
  ])('an email to %s ends as it does in SES', async (to) => {
    const client = sesClient({ endpoint: ses.endpoint });
    try {
      const { MessageId } = await client.send(
        new SendEmailCommand({
          FromEmailAddress: 'no-reply@verigate.example',
          Destination: { ToAddresses: [to] },
          Content: { Simple: { Subject: { Data: 'code' }, Body: { Text: { Data: 'code 042917' } } } },
          ConfigurationSetName: SET,
          EmailTags: [{ Name: 'deliveryRequestId', Value: 'dr-3' }],
        }),
      );
      await new Promise((r) => setImmediate(r));
      const aws = ses.sink
        .records()
        .filter((r) => r.mail.messageId === MessageId)
        .map((r) => readReceipt(r)!)
        .filter((r) => r.state !== 'pending');
      const mine = local(message({ channel: 'email', to }));
      const view = (rs: typeof mine) => rs.map((r) => [r.state, r.reason, 'suppress' in r ? r.suppress : undefined, r.deliveryRequestId]);
      expect(view(mine)).toEqual(view(aws));
    } finally {
      client.destroy();
    }
  });
});
