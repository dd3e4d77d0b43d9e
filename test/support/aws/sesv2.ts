// A loopback stand-in for Amazon SES API v2 SendEmail (SDK @aws-sdk/client-sesv2), with the mailbox
// simulator and a configuration set's event destinations. Written from:
//   The Smithy model, aws/api-models-aws sesv2/service/2019-09-27/sesv2-2019-09-27.json (aws-sdk-js-v3
//     codegen/sdk-codegen/aws-models/sesv2.json): restJson1, POST /v2/email/outbound-emails, SigV4 signing
//     name "ses"; SendEmailRequest (FromEmailAddress, Destination{To,Cc,Bcc}Addresses, Content.Simple
//     {Subject, Body{Text, Html}} of Content{Data required, Charset}, Headers ≤ 15, EmailTags [{Name, Value}],
//     ConfigurationSetName; Content required) → {MessageId}; errors AccountSuspendedException 400,
//     BadRequestException 400, LimitExceededException 400, MailFromDomainNotVerifiedException 400,
//     MessageRejected 400, NotFoundException 404, SendingPausedException 400, TooManyRequestsException 429,
//     each {message}.
//   https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_SendEmail.html and API_MessageTag.html (tag
//     names and values: ASCII letters, digits, _ and -, at most 256 characters), API_Destination.html (the
//     local part of an address is 7-bit ASCII).
//   Mailbox simulator: https://docs.aws.amazon.com/ses/latest/dg/send-an-email-from-console.html#send-email-simulator
//     success@ (delivered), bounce@ (SMTP 550 5.1.1 "Unknown User", a hard bounce; the address is not put on
//     the suppression list), ooto@ (delivered; the auto-reply is an email to the Return-Path, not an event),
//     complaint@ (delivered, then a complaint), suppressionlist@ (a hard bounce as if the address were on the
//     global suppression list); labels (bounce+label1@…) behave as the plain address; several simulated
//     bounces of one request come as one bounce response. No simulator address rejects: a Reject event
//     comes from a message SES finds a virus in (the EICAR test string).
//   Event records: https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html and
//     …-sns-contents.html (eventType Send/Delivery/Bounce/Complaint/Reject/DeliveryDelay/…; the mail object;
//     bounce {bounceType, bounceSubType, bouncedRecipients[{emailAddress, action, status, diagnosticCode}],
//     timestamp, feedbackId, reportingMTA}; bounce types Permanent/General, Permanent/Suppressed,
//     Permanent/OnAccountSuppressionList, Transient/…; complaint {complainedRecipients, timestamp, feedbackId,
//     userAgent, complaintFeedbackType, arrivalDate}; delivery {timestamp, processingTimeMillis, recipients,
//     smtpResponse, reportingMTA}; send {}; reject {reason "Bad content"}). Events are published only for a
//     message sent with a configuration set that has an event destination for the event's type.
//   Event destination types: https://docs.aws.amazon.com/ses/latest/APIReference-V2/API_EventDestination.html
//     (SEND, REJECT, BOUNCE, COMPLAINT, DELIVERY, OPEN, CLICK, RENDERING_FAILURE, DELIVERY_DELAY, SUBSCRIPTION)
//   Through EventBridge: https://docs.aws.amazon.com/ses/latest/dg/monitoring-eventbridge.html (source aws.ses,
//     detail-type "Email Sent", "Email Delivered", "Email Bounced", "Email Complaint Received", "Email
//     Rejected", "Email Delivery Delayed", "Email Rendering Failed"; the detail is the same record).
import { randomBytes, randomUUID } from 'node:crypto';
import { violations, validationMessage, type Rule } from './constraints.js';
import { EventSink, eventBridgeEvent, type Delivered } from './deliveries.js';
import { restJsonProtocol, ServiceError, startStandIn, type StandInFrame, type StandInOptions } from './stand-in-server.js';

const CONTENT: Rule = { type: 'structure', members: { Data: { type: 'string', required: true }, Charset: { type: 'string' } } };
const ADDRESSES: Rule = { type: 'list', member: { type: 'string' } };
const HEADERS: Rule = {
  type: 'list',
  length: [0, 15],
  member: {
    type: 'structure',
    members: {
      Name: { type: 'string', required: true, length: [1, 126], pattern: /^[!-9;-@A-~]+$/ },
      Value: { type: 'string', required: true, length: [1, 870], pattern: /^[ -~]*$/ },
    },
  },
};
const SEND_EMAIL: Record<string, Rule> = {
  FromEmailAddress: { type: 'string' },
  FromEmailAddressIdentityArn: { type: 'string' },
  Destination: { type: 'structure', members: { ToAddresses: ADDRESSES, CcAddresses: ADDRESSES, BccAddresses: ADDRESSES } },
  ReplyToAddresses: ADDRESSES,
  FeedbackForwardingEmailAddress: { type: 'string' },
  Content: {
    type: 'structure',
    required: true,
    members: {
      Simple: {
        type: 'structure',
        members: {
          Subject: { ...CONTENT, required: true },
          Body: { type: 'structure', required: true, members: { Text: CONTENT, Html: CONTENT } },
          Headers: HEADERS,
        },
      },
      Raw: { type: 'structure', members: { Data: { type: 'string', required: true } } },
      Template: {
        type: 'structure',
        members: { TemplateName: { type: 'string', length: [1] }, TemplateData: { type: 'string', length: [0, 262144] } },
      },
    },
  },
  EmailTags: {
    type: 'list',
    member: { type: 'structure', members: { Name: { type: 'string', required: true }, Value: { type: 'string', required: true } } },
  },
  ConfigurationSetName: { type: 'string' },
};
const SEND_EMAIL_ERRORS = {
  AccountSuspendedException: 400,
  BadRequestException: 400,
  LimitExceededException: 400,
  MailFromDomainNotVerifiedException: 400,
  MessageRejected: 400,
  NotFoundException: 404,
  SendingPausedException: 400,
  TooManyRequestsException: 429,
};

export const MAILBOX_SIMULATOR = {
  success: 'success@simulator.amazonses.com',
  bounce: 'bounce@simulator.amazonses.com',
  ooto: 'ooto@simulator.amazonses.com',
  complaint: 'complaint@simulator.amazonses.com',
  suppressionList: 'suppressionlist@simulator.amazonses.com',
} as const;
/** The EICAR anti-virus test string: SES accepts a message carrying it, then rejects it (Reject event). */
export const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

export type SesEventType =
  'SEND' | 'REJECT' | 'BOUNCE' | 'COMPLAINT' | 'DELIVERY' | 'OPEN' | 'CLICK' | 'RENDERING_FAILURE' | 'DELIVERY_DELAY' | 'SUBSCRIPTION';
type RecordType = 'Send' | 'Reject' | 'Bounce' | 'Complaint' | 'Delivery' | 'DeliveryDelay';
const DESTINATION_TYPE: Record<RecordType, SesEventType> = {
  Send: 'SEND',
  Reject: 'REJECT',
  Bounce: 'BOUNCE',
  Complaint: 'COMPLAINT',
  Delivery: 'DELIVERY',
  DeliveryDelay: 'DELIVERY_DELAY',
};
const DETAIL_TYPE: Record<RecordType, string> = {
  Send: 'Email Sent',
  Reject: 'Email Rejected',
  Bounce: 'Email Bounced',
  Complaint: 'Email Complaint Received',
  Delivery: 'Email Delivered',
  DeliveryDelay: 'Email Delivery Delayed',
};

export interface SesMail {
  timestamp: string;
  source: string;
  sourceArn: string;
  sendingAccountId: string;
  messageId: string;
  destination: string[];
  headersTruncated: boolean;
  headers: { name: string; value: string }[];
  commonHeaders: { from: string[]; to?: string[]; cc?: string[]; messageId: string; subject: string };
  tags: Record<string, string[]>;
}
export interface BouncedRecipient {
  emailAddress: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
}
export type SesEventRecord = { eventType: RecordType; mail: SesMail } & (
  | { eventType: 'Send'; send: Record<string, never> }
  | { eventType: 'Reject'; reject: { reason: 'Bad content' } }
  | {
      eventType: 'Delivery';
      delivery: { timestamp: string; processingTimeMillis: number; recipients: string[]; smtpResponse: string; reportingMTA: string };
    }
  | {
      eventType: 'Bounce';
      bounce: {
        bounceType: 'Permanent' | 'Transient' | 'Undetermined';
        bounceSubType: string;
        bouncedRecipients: BouncedRecipient[];
        timestamp: string;
        feedbackId: string;
        reportingMTA?: string;
      };
    }
  | {
      eventType: 'Complaint';
      complaint: {
        complainedRecipients: { emailAddress: string }[];
        timestamp: string;
        feedbackId: string;
        userAgent: string;
        complaintFeedbackType: string;
        arrivalDate: string;
      };
    }
  | {
      eventType: 'DeliveryDelay';
      deliveryDelay: {
        timestamp: string;
        delayType: string;
        expirationTime: string;
        delayedRecipients: { emailAddress: string; status: string; diagnosticCode: string }[];
      };
    }
);

export interface SesStandInOptions extends StandInOptions {
  region?: string;
  accountId?: string;
  /** Verified identities (email addresses or domains); default: every sender is verified. */
  identities?: Record<string, { mailFromDomainVerified?: boolean }>;
  /** In the sandbox, recipients must be verified identities or mailbox simulator addresses. */
  sandbox?: boolean;
  configurationSets?: Record<string, { eventDestinations: { name: string; matchingEventTypes: SesEventType[]; enabled?: boolean }[] }>;
  /** The account-level suppression list. */
  accountSuppressed?: string[];
  /** Recipients whose delivery SES keeps retrying (a DeliveryDelay event, then a Transient bounce). */
  delayed?: string[];
  sendingPaused?: boolean;
  accountSuspended?: boolean;
  onEvent?: (d: Delivered<SesEventRecord>) => void;
}

export interface SentEmail {
  messageId: string;
  input: Record<string, unknown>;
  recipients: string[];
  events: SesEventRecord[];
}

export interface SesStandIn extends StandInFrame {
  region: string;
  accountId: string;
  sink: EventSink<Delivered<SesEventRecord>>;
  emails: SentEmail[];
}

/** "Name <a@b>" → a@b. */
const addressOf = (s: string) => (/<([^<>]*)>\s*$/.exec(s)?.[1] ?? s).trim();
const TAG = /^[A-Za-z0-9_-]{1,256}$/;

function addressError(s: string): string | undefined {
  const address = addressOf(s);
  const at = address.lastIndexOf('@');
  if (at < 0 || at === address.length - 1) return `Missing final '@domain'`;
  if (at === 0) return `Local address is empty in ${s}`;
  // 7-bit ASCII local part (no SMTPUTF8); no spaces or control characters.
  if (/[^\x21-\x7e]/.test(address.slice(0, at))) return `Local address contains control or whitespace or non-ASCII characters: ${s}`;
  if (!/^[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$/.test(address.slice(at + 1)))
    return `Domain contains illegal character or is not fully qualified: ${s}`;
  return undefined;
}

/** success / bounce / … for a simulator address, labels (bounce+x@) included. */
function simulated(address: string): keyof typeof MAILBOX_SIMULATOR | undefined {
  const [local = '', domain = ''] = address.toLowerCase().split('@');
  if (domain !== 'simulator.amazonses.com') return undefined;
  const base = local.split('+')[0];
  return (Object.keys(MAILBOX_SIMULATOR) as (keyof typeof MAILBOX_SIMULATOR)[]).find((k) => MAILBOX_SIMULATOR[k].startsWith(`${base}@`));
}

export async function startSesStandIn(o: SesStandInOptions = {}): Promise<SesStandIn> {
  const region = o.region ?? 'ap-east-1';
  const accountId = o.accountId ?? '123456789012';
  const sink = new EventSink<Delivered<SesEventRecord>>(o.onEvent);
  const emails: SentEmail[] = [];
  const suppressed = new Set((o.accountSuppressed ?? []).map((a) => a.toLowerCase()));
  const bad = (message: string) => new ServiceError('BadRequestException', 400, message);

  const verifiedIdentity = (address: string) => {
    if (!o.identities) return address.split('@')[1]!;
    const lower = address.toLowerCase();
    const domain = lower.split('@')[1]!;
    return (
      Object.keys(o.identities).find((i) => i.toLowerCase() === lower) ?? Object.keys(o.identities).find((i) => i.toLowerCase() === domain)
    );
  };

  function sendEmail(input: Record<string, unknown>, after: (work: () => void) => void) {
    const found = violations(SEND_EMAIL, input);
    if (found.length) throw bad(validationMessage(found, input));
    const content = input.Content as { Simple?: Record<string, unknown>; Raw?: unknown; Template?: unknown };
    const kinds = (['Simple', 'Raw', 'Template'] as const).filter((k) => content[k] !== undefined);
    if (kinds.length !== 1) throw bad('Content must specify exactly one of Simple, Raw or Template.');
    if (!content.Simple) throw new ServiceError('NotImplemented', 501, 'The stand-in implements Content.Simple only.');
    const simple = content.Simple as { Subject: { Data: string }; Body: { Text?: { Data: string }; Html?: { Data: string } } };
    const from = input.FromEmailAddress as string | undefined;
    if (!from) throw bad('FromEmailAddress is required when Content.Simple is used.');
    const destination = (input.Destination ?? {}) as Record<string, string[] | undefined>;
    const to = destination.ToAddresses ?? [];
    const cc = destination.CcAddresses ?? [];
    const recipients = [...to, ...cc, ...(destination.BccAddresses ?? [])];
    if (recipients.length === 0) throw bad('At least one recipient (To, Cc or Bcc) is required.');
    for (const a of [from, ...recipients, ...((input.ReplyToAddresses as string[] | undefined) ?? [])]) {
      const problem = addressError(a);
      if (problem) throw bad(problem);
    }
    const tags = (input.EmailTags as { Name: string; Value: string }[] | undefined) ?? [];
    const badTag = tags.find((t) => !TAG.test(t.Name) || !TAG.test(t.Value));
    if (badTag)
      throw bad(
        `Invalid message tag ${badTag.Name}=${badTag.Value}: names and values are ASCII letters, digits, _ and -, at most 256 characters.`,
      );
    const setName = input.ConfigurationSetName as string | undefined;
    const set = setName === undefined ? undefined : o.configurationSets?.[setName];
    if (setName !== undefined && !set) throw new ServiceError('NotFoundException', 404, `Configuration set <${setName}> does not exist.`);
    if (o.accountSuspended)
      throw new ServiceError('AccountSuspendedException', 400, 'Your account has been suspended; sending is permanently restricted.');
    if (o.sendingPaused) throw new ServiceError('SendingPausedException', 400, 'Sending is paused for this account.');
    const fromAddress = addressOf(from);
    const identity = verifiedIdentity(fromAddress);
    const failing = (addresses: string[]) =>
      new ServiceError(
        'MessageRejected',
        400,
        `Email address is not verified. The following identities failed the check in region ${region.toUpperCase()}: ${addresses.join(', ')}`,
      );
    if (!identity) throw failing([fromAddress]);
    if (o.identities?.[identity]?.mailFromDomainVerified === false) {
      throw new ServiceError('MailFromDomainNotVerifiedException', 400, `The custom MAIL FROM domain of ${identity} is not verified.`);
    }
    if (o.sandbox) {
      const unverified = recipients.map(addressOf).filter((a) => !simulated(a) && !verifiedIdentity(a));
      if (unverified.length) throw failing(unverified);
    }

    const now = new Date();
    const messageId = `${randomBytes(8).toString('hex')}-${randomUUID()}-000000`;
    const subject = simple.Subject.Data;
    const mail: SesMail = {
      timestamp: now.toISOString(),
      source: from,
      sourceArn: `arn:aws:ses:${region}:${accountId}:identity/${identity}`,
      sendingAccountId: accountId,
      messageId,
      destination: recipients.map(addressOf),
      headersTruncated: false,
      headers: [
        { name: 'From', value: from },
        ...(to.length ? [{ name: 'To', value: to.join(', ') }] : []),
        ...(cc.length ? [{ name: 'Cc', value: cc.join(', ') }] : []),
        { name: 'Subject', value: subject },
        { name: 'MIME-Version', value: '1.0' },
        {
          name: 'Content-Type',
          value:
            simple.Body.Text && simple.Body.Html
              ? `multipart/alternative; boundary="----=_Part_${randomBytes(6).toString('hex')}"`
              : `${simple.Body.Html ? 'text/html' : 'text/plain'}; charset=UTF-8`,
        },
      ],
      commonHeaders: { from: [from], ...(to.length ? { to } : {}), ...(cc.length ? { cc } : {}), messageId, subject },
      tags: {
        ...(setName ? { 'ses:configuration-set': [setName] } : {}),
        'ses:source-ip': ['127.0.0.1'],
        'ses:from-domain': [fromAddress.split('@')[1]!],
        'ses:caller-identity': ['stand-in'],
        ...Object.fromEntries(tags.map((t) => [t.Name, [t.Value]])),
      },
    };

    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    const feedbackId = () => `${randomBytes(8).toString('hex')}-${randomUUID()}-000000`;
    const events: SesEventRecord[] = [{ eventType: 'Send', mail, send: {} }];
    const texts = [subject, simple.Body.Text?.Data ?? '', simple.Body.Html?.Data ?? ''];
    if (texts.some((t) => t.includes(EICAR))) {
      events.push({ eventType: 'Reject', mail, reject: { reason: 'Bad content' } });
    } else {
      const delivered: string[] = [];
      const bounces = new Map<string, BouncedRecipient[]>();
      const bounce = (type: string, r: BouncedRecipient) => bounces.set(type, [...(bounces.get(type) ?? []), r]);
      const complained: string[] = [];
      const delayed: string[] = [];
      for (const address of mail.destination) {
        const sim = simulated(address);
        if (sim === 'bounce') {
          bounce('Permanent/General', {
            emailAddress: address,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          });
        } else if (sim === 'suppressionList') {
          bounce('Permanent/Suppressed', {
            emailAddress: address,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode:
              'Amazon SES has suppressed sending to this address because it has a recent history of bouncing as an invalid address.',
          });
        } else if (!sim && suppressed.has(address.toLowerCase())) {
          bounce('Permanent/OnAccountSuppressionList', {
            emailAddress: address,
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'Amazon SES did not send the message to this address because it is on the suppression list for your account.',
          });
        } else if (!sim && o.delayed?.includes(address)) {
          delayed.push(address);
          bounce('Transient/General', {
            emailAddress: address,
            action: 'failed',
            status: '4.4.1',
            diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
          });
        } else {
          delivered.push(address);
          if (sim === 'complaint') complained.push(address);
        }
      }
      if (delayed.length) {
        events.push({
          eventType: 'DeliveryDelay',
          mail,
          deliveryDelay: {
            timestamp: at(600),
            delayType: 'TransientCommunicationFailure',
            expirationTime: at(900),
            delayedRecipients: delayed.map((emailAddress) => ({
              emailAddress,
              status: '4.4.1',
              diagnosticCode: 'smtp; 421 4.4.1 Unable to connect to remote host',
            })),
          },
        });
      }
      if (delivered.length) {
        events.push({
          eventType: 'Delivery',
          mail,
          delivery: {
            timestamp: at(1200),
            processingTimeMillis: 1200,
            recipients: delivered,
            smtpResponse: '250 2.6.0 Message received',
            reportingMTA: `a1-2.smtp-out.${region}.amazonses.com`,
          },
        });
      }
      for (const [type, bouncedRecipients] of bounces) {
        const [bounceType, bounceSubType] = type.split('/') as ['Permanent' | 'Transient', string];
        const dsn = bounceSubType === 'General' ? { reportingMTA: `dsn; a1-2.smtp-out.${region}.amazonses.com` } : {};
        events.push({
          eventType: 'Bounce',
          mail,
          bounce: { bounceType, bounceSubType, bouncedRecipients, timestamp: at(1500), feedbackId: feedbackId(), ...dsn },
        });
      }
      if (complained.length) {
        events.push({
          eventType: 'Complaint',
          mail,
          complaint: {
            complainedRecipients: complained.map((emailAddress) => ({ emailAddress })),
            timestamp: at(2000),
            feedbackId: feedbackId(),
            userAgent: 'Amazon SES Mailbox Simulator',
            complaintFeedbackType: 'abuse',
            arrivalDate: at(1900),
          },
        });
      }
    }

    emails.push({ messageId, input, recipients: mail.destination, events });
    if (set) {
      after(() => {
        for (const record of events) {
          for (const d of set.eventDestinations) {
            if (d.enabled !== false && d.matchingEventTypes.includes(DESTINATION_TYPE[record.eventType])) {
              sink.deliver({ configurationSet: setName!, eventDestination: d.name, record });
            }
          }
        }
      });
    }
    return { status: 200, body: { MessageId: messageId } };
  }

  const protocol = restJsonProtocol({
    signingName: 'ses',
    routes: [{ method: 'POST', path: '/v2/email/outbound-emails', operation: 'SendEmail', errors: SEND_EMAIL_ERRORS }],
    throttling: () => new ServiceError('TooManyRequestsException', 429, 'Maximum sending rate exceeded.'),
    internal: () =>
      new ServiceError('InternalFailure', 500, 'The request processing has failed because of an unknown error, exception or failure.'),
  });
  const frame = await startStandIn(protocol, (_operation, input, after) => sendEmail(input as Record<string, unknown>, after), o);
  return { ...frame, region, accountId, sink, emails };
}

/** A configuration set's event as an EventBridge event destination delivers it (source aws.ses). */
export function sesEventBridgeEvent(record: SesEventRecord, e: { account: string; region: string }) {
  return eventBridgeEvent(record, { ...e, source: 'aws.ses', detailType: DETAIL_TYPE[record.eventType] });
}
