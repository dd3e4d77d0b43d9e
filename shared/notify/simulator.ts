/**
 * The local delivery port's receipts: what AWS would publish to the receipts topic for a message, as its
 * own simulators answer (SPEC §4). Success for any other destination. Written from AWS's documentation:
 *   End User Messaging's destination simulator numbers, one success and one failure number per country or
 *   region (test-phone-numbers.html; none for mainland China). They "work with SMS and MMS": a voice call
 *   completes whatever the number. A success number's message is reported TEXT_SUCCESSFUL, then
 *   TEXT_DELIVERED (both final; the EventBridge page shows the pair for one message); which failure a failure
 *   number reports is not documented: TEXT_UNREACHABLE, "the recipient's device is unavailable". The event
 *   record: configuration-sets-event-format.html.
 *   SES's mailbox simulator (send-an-email-from-console.html#send-email-simulator): success@ delivered,
 *   bounce@ a hard bounce (550 5.1.1), complaint@ delivered then a complaint, suppressionlist@ a hard bounce as
 *   from the global suppression list, ooto@ delivered (its auto-reply is mail, not an event); labels
 *   (bounce+x@) as the plain address. Every message first yields Send. The event record:
 *   event-publishing-retrieving-sns-examples.html.
 */
import type { RenderedMessage } from '../messages/catalog.js';
import { RECEIPT_CONTEXT_KEY } from '../policy.js';
import type { CodeMessage } from './notifier.js';

/** The local stage's stand-ins for what AWS fills in: its account, region and origination number. */
const LOCAL_ACCOUNT = '000000000000';
const LOCAL_REGION = 'local';
const LOCAL_ORIGINATION_NUMBER = '+12065550152';

// prettier-ignore
const SIMULATOR_TABLE: ReadonlyArray<[iso: string, success: string, failure: string]> = [
  ['AU', '+61455944038', '+61455944039'], ['AT', '+43676800442031', '+43676800442032'],
  ['BE', '+32460213922', '+32460213923'], ['CL', '+56229140630', '+56229140631'],
  ['CZ', '+420790542286', '+420790542287'], ['DK', '+4525919410', '+4525919215'],
  ['EE', '+37282720792', '+37282720793'], ['FI', '+3584573979110', '+3584573979111'],
  ['FR', '+33755512501', '+33755512502'], ['HK', '+85257048426', '+85257048854'],
  ['HU', '+36707178770', '+36707178772'], ['IT', '+394390009172', '+394390009174'],
  ['JE', '+447937404990', '+447937404992'], ['LU', '+352691385880', '+352691385882'],
  ['NL', '+3197008100148', '+3197008100150'], ['NO', '+4759449384', '+4759449387'],
  ['PL', '+48732141440', '+48732141442'], ['PT', '+351927946948', '+351927946950'],
  ['RO', '+40783900330', '+40783900332'], ['ES', '+34683783440', '+34683783442'],
  ['SE', '+46790645100', '+46790645102'], ['CH', '+41798075872', '+41798075874'],
  ['TW', '+886903444630', '+886903444632'], ['GB', '+447860019066', '+447860019067'],
  ['US', '+14254147755', '+14254147167'],
];

/** End User Messaging's destination simulator numbers: number → its country and the outcome it simulates. */
export interface SimulatorNumber {
  isoCountryCode: string;
  outcome: 'success' | 'failure';
}
export const DESTINATION_SIMULATOR: ReadonlyMap<string, SimulatorNumber> = new Map(
  SIMULATOR_TABLE.flatMap(([isoCountryCode, success, failure]): Array<[string, SimulatorNumber]> => [
    [success, { isoCountryCode, outcome: 'success' }],
    [failure, { isoCountryCode, outcome: 'failure' }],
  ]),
);

/** The failure a failure simulator number's message ends in (AWS does not say which). */
export const SIMULATED_TEXT_FAILURE = 'TEXT_UNREACHABLE';

const DESCRIPTIONS: Record<string, string> = {
  TEXT_SUCCESSFUL: 'Message has been accepted by phone carrier',
  TEXT_DELIVERED: 'Message has been accepted by phone',
  TEXT_UNREACHABLE: "The recipient's device is unavailable",
  VOICE_INITIATED: 'The call has been initiated',
  VOICE_RINGING: "The recipient's phone is ringing",
  VOICE_ANSWERED: 'The recipient answered the call',
  VOICE_COMPLETED: 'The voice message was played to the recipient',
};
const NOT_FINAL: ReadonlySet<string> = new Set(['VOICE_INITIATED', 'VOICE_RINGING', 'VOICE_ANSWERED']);

/** What the port knows of the message it just accepted. */
export interface AcceptedMessage {
  message: CodeMessage;
  rendered: RenderedMessage;
  messageId: string;
  at: Date;
  /** The SES sender (email only). */
  from: string;
}

function smsVoiceRecords(a: AcceptedMessage): object[] {
  const m = a.message;
  const simulated = DESTINATION_SIMULATOR.get(m.to);
  const types =
    a.rendered.channel === 'voice'
      ? ['VOICE_INITIATED', 'VOICE_RINGING', 'VOICE_ANSWERED', 'VOICE_COMPLETED']
      : simulated?.outcome === 'failure'
        ? [SIMULATED_TEXT_FAILURE]
        : ['TEXT_SUCCESSFUL', 'TEXT_DELIVERED'];
  const requested = a.at.getTime();
  const isoCountryCode = simulated?.isoCountryCode ?? m.country ?? '';
  return types.map((eventType, i) => ({
    eventType,
    eventVersion: '1.0',
    eventTimestamp: requested + 300 * (i + 1),
    isFinal: !NOT_FINAL.has(eventType),
    originationPhoneNumber: LOCAL_ORIGINATION_NUMBER,
    destinationPhoneNumber: m.to,
    isoCountryCode,
    isInternationalSend: false,
    messageId: a.messageId,
    messageRequestTimestamp: requested,
    ...(a.rendered.channel === 'sms'
      ? { messageEncoding: a.rendered.encoding === 'GSM-7' ? 'GSM' : 'Unicode', messageType: 'TRANSACTIONAL' }
      : {}),
    messageStatus: eventType.replace(/^(TEXT|VOICE)_/, ''),
    messageStatusDescription: DESCRIPTIONS[eventType],
    context: { [RECEIPT_CONTEXT_KEY]: m.deliveryRequestId },
    ...(a.rendered.channel === 'sms' ? { totalMessageParts: a.rendered.parts, totalCarrierFee: 0 } : {}),
    totalMessagePrice: 0,
  }));
}

/** success, bounce, complaint, suppressionlist, ooto, or undefined for an address outside the mailbox simulator. */
function mailboxSimulator(address: string): string | undefined {
  const [local = '', domain = ''] = address.toLowerCase().split('@');
  if (domain !== 'simulator.amazonses.com') return undefined;
  const base = local.split('+')[0]!;
  return ['success', 'bounce', 'complaint', 'suppressionlist', 'ooto'].includes(base) ? base : undefined;
}

function sesRecords(a: AcceptedMessage): object[] {
  const m = a.message;
  if (a.rendered.channel !== 'email') return [];
  const at = (ms: number) => new Date(a.at.getTime() + ms).toISOString();
  const fromDomain = a.from.split('@')[1] ?? '';
  const mail = {
    timestamp: a.at.toISOString(),
    source: a.from,
    sourceArn: `arn:aws:ses:${LOCAL_REGION}:${LOCAL_ACCOUNT}:identity/${fromDomain}`,
    sendingAccountId: LOCAL_ACCOUNT,
    messageId: a.messageId,
    destination: [m.to],
    headersTruncated: false,
    headers: [
      { name: 'From', value: a.from },
      { name: 'To', value: m.to },
      { name: 'Subject', value: a.rendered.subject },
      { name: 'MIME-Version', value: '1.0' },
      { name: 'Content-Type', value: 'multipart/alternative' },
    ],
    commonHeaders: { from: [a.from], to: [m.to], messageId: a.messageId, subject: a.rendered.subject },
    tags: { 'ses:from-domain': [fromDomain], [RECEIPT_CONTEXT_KEY]: [m.deliveryRequestId] },
  };
  const feedbackId = `${a.messageId}-feedback`;
  const delivery = {
    eventType: 'Delivery',
    mail,
    delivery: {
      timestamp: at(1200),
      processingTimeMillis: 1200,
      recipients: [m.to],
      smtpResponse: '250 2.6.0 Message received',
      reportingMTA: `a1-2.smtp-out.${LOCAL_REGION}.amazonses.com`,
    },
  };
  const bounce = (bounceSubType: string, diagnosticCode: string) => ({
    eventType: 'Bounce',
    mail,
    bounce: {
      bounceType: 'Permanent',
      bounceSubType,
      bouncedRecipients: [{ emailAddress: m.to, action: 'failed', status: '5.1.1', diagnosticCode }],
      timestamp: at(1500),
      feedbackId,
    },
  });
  const send = { eventType: 'Send', mail, send: {} };
  switch (mailboxSimulator(m.to)) {
    case 'bounce':
      return [send, bounce('General', 'smtp; 550 5.1.1 user unknown')];
    case 'suppressionlist':
      return [
        send,
        bounce(
          'Suppressed',
          'Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address.',
        ),
      ];
    case 'complaint':
      return [
        send,
        delivery,
        {
          eventType: 'Complaint',
          mail,
          complaint: {
            complainedRecipients: [{ emailAddress: m.to }],
            timestamp: at(2000),
            feedbackId,
            userAgent: 'Amazon SES Mailbox Simulator',
            complaintFeedbackType: 'abuse',
            arrivalDate: at(1900),
          },
        },
      ];
    default:
      return [send, delivery];
  }
}

/** The records AWS would publish to the receipts topic for this message, in order. */
export function simulatedReceipts(a: AcceptedMessage): object[] {
  return a.rendered.channel === 'email' ? sesRecords(a) : smsVoiceRecords(a);
}
