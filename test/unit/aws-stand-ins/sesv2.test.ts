import {
  AccountSuspendedException,
  BadRequestException,
  MailFromDomainNotVerifiedException,
  MessageRejected,
  NotFoundException,
  SendEmailCommand,
  SendingPausedException,
  type SendEmailCommandInput,
  type SESv2Client,
} from '@aws-sdk/client-sesv2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { snsLambdaEvent } from '../../support/aws/deliveries.js';
import {
  EICAR,
  MAILBOX_SIMULATOR,
  sesEventBridgeEvent,
  startSesStandIn,
  type SesEventRecord,
  type SesStandIn,
  type SesStandInOptions,
} from '../../support/aws/sesv2.js';
import { rejection, sesClient } from './clients.js';

const SET = 'verigate-email';
const ACCOUNT: SesStandInOptions = {
  identities: { 'verigate.example': {} },
  configurationSets: {
    [SET]: {
      eventDestinations: [
        { name: 'receipts', matchingEventTypes: ['SEND', 'DELIVERY', 'BOUNCE', 'COMPLAINT', 'REJECT', 'DELIVERY_DELAY'] },
      ],
    },
  },
};
const email = (to: string[], o: Partial<SendEmailCommandInput> = {}): SendEmailCommandInput => ({
  FromEmailAddress: 'verigate <no-reply@verigate.example>',
  Destination: { ToAddresses: to },
  Content: {
    Simple: {
      Subject: { Data: 'Your verigate code', Charset: 'UTF-8' },
      Body: {
        Text: { Data: 'Your code is 123456', Charset: 'UTF-8' },
        Html: { Data: '<p>Your code is <b>123456</b></p>', Charset: 'UTF-8' },
      },
    },
  },
  ConfigurationSetName: SET,
  EmailTags: [{ Name: 'deliveryRequestId', Value: 'req-1' }],
  ...o,
});

let ses: SesStandIn;
let client: SESv2Client;
async function start(o: SesStandInOptions = ACCOUNT) {
  await ses?.close();
  ses = await startSesStandIn(o);
  client = sesClient({ endpoint: ses.endpoint });
}
beforeEach(() => start());
afterEach(async () => {
  client.destroy();
  await ses.close();
});

const eventsOf = async (messageId: string, count: number) =>
  (await ses.sink.waitFor((d) => d.filter((x) => x.record.mail.messageId === messageId).length >= count))
    .map((d) => d.record)
    .filter((r) => r.mail.messageId === messageId);

describe('SendEmail', () => {
  it('accepts a simple email at POST /v2/email/outbound-emails and answers its MessageId', async () => {
    const out = await client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.success])));
    expect(out.MessageId).toMatch(/^[0-9a-f]{16}-[0-9a-f-]{36}-000000$/);
    const call = ses.calls[0]!;
    expect([call.method, call.path, call.operation]).toEqual(['POST', '/v2/email/outbound-emails', 'SendEmail']);
    expect(call.signature).toMatchObject({ service: 'ses', region: 'ap-east-1' });
    expect(call.input).toMatchObject({ FromEmailAddress: 'verigate <no-reply@verigate.example>', ConfigurationSetName: SET });
  });

  it('publishes Send then Delivery for success@, each with the mail object AWS documents', async () => {
    const { MessageId } = await client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.success])));
    const [send, delivery] = await eventsOf(MessageId!, 2);
    const mail = {
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
      source: 'verigate <no-reply@verigate.example>',
      sourceArn: 'arn:aws:ses:ap-east-1:123456789012:identity/verigate.example',
      sendingAccountId: '123456789012',
      messageId: MessageId,
      destination: [MAILBOX_SIMULATOR.success],
      headersTruncated: false,
      headers: [
        { name: 'From', value: 'verigate <no-reply@verigate.example>' },
        { name: 'To', value: MAILBOX_SIMULATOR.success },
        { name: 'Subject', value: 'Your verigate code' },
        { name: 'MIME-Version', value: '1.0' },
        { name: 'Content-Type', value: expect.stringMatching(/^multipart\/alternative; boundary=/) },
      ],
      commonHeaders: {
        from: ['verigate <no-reply@verigate.example>'],
        to: [MAILBOX_SIMULATOR.success],
        messageId: MessageId,
        subject: 'Your verigate code',
      },
      tags: {
        'ses:configuration-set': [SET],
        'ses:source-ip': ['127.0.0.1'],
        'ses:from-domain': ['verigate.example'],
        'ses:caller-identity': ['stand-in'],
        deliveryRequestId: ['req-1'],
      },
    };
    expect(send).toEqual({ eventType: 'Send', mail, send: {} });
    expect(delivery).toEqual({
      eventType: 'Delivery',
      mail,
      delivery: {
        timestamp: expect.any(String),
        processingTimeMillis: expect.any(Number),
        recipients: [MAILBOX_SIMULATOR.success],
        smtpResponse: '250 2.6.0 Message received',
        reportingMTA: expect.any(String),
      },
    });
    expect(ses.sink.delivered.every((d) => d.configurationSet === SET && d.eventDestination === 'receipts')).toBe(true);
  });

  it('bounces bounce@ permanently (General, 5.1.1 user unknown), labels included', async () => {
    const { MessageId } = await client.send(new SendEmailCommand(email(['bounce+req-1@simulator.amazonses.com'])));
    const events = await eventsOf(MessageId!, 2);
    expect(events.map((e) => e.eventType)).toEqual(['Send', 'Bounce']);
    expect(events[1]).toMatchObject({
      bounce: {
        bounceType: 'Permanent',
        bounceSubType: 'General',
        bouncedRecipients: [
          {
            emailAddress: 'bounce+req-1@simulator.amazonses.com',
            action: 'failed',
            status: '5.1.1',
            diagnosticCode: 'smtp; 550 5.1.1 user unknown',
          },
        ],
        timestamp: expect.any(String),
        feedbackId: expect.any(String),
        reportingMTA: expect.stringMatching(/^dsn; /),
      },
    });
  });

  it('delivers complaint@ and then reports its complaint (abuse)', async () => {
    const { MessageId } = await client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.complaint])));
    const events = await eventsOf(MessageId!, 3);
    expect(events.map((e) => e.eventType)).toEqual(['Send', 'Delivery', 'Complaint']);
    expect(events[2]).toMatchObject({
      complaint: {
        complainedRecipients: [{ emailAddress: MAILBOX_SIMULATOR.complaint }],
        complaintFeedbackType: 'abuse',
        feedbackId: expect.any(String),
        arrivalDate: expect.any(String),
        userAgent: expect.any(String),
      },
    });
  });

  it('bounces suppressionlist@ as an address on the global suppression list (Permanent/Suppressed)', async () => {
    const { MessageId } = await client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.suppressionList])));
    const [, bounce] = await eventsOf(MessageId!, 2);
    expect(bounce).toMatchObject({ eventType: 'Bounce', bounce: { bounceType: 'Permanent', bounceSubType: 'Suppressed' } });
  });

  it('bounces an address on the account-level suppression list (OnAccountSuppressionList)', async () => {
    await start({ ...ACCOUNT, accountSuppressed: ['gone@example.org'] });
    const { MessageId } = await client.send(new SendEmailCommand(email(['Gone@example.org'])));
    const [, bounce] = await eventsOf(MessageId!, 2);
    expect(bounce).toMatchObject({ bounce: { bounceType: 'Permanent', bounceSubType: 'OnAccountSuppressionList' } });
  });

  it('delivers ooto@ (its auto-reply goes to the Return-Path, not to the event destination)', async () => {
    const { MessageId } = await client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.ooto])));
    await eventsOf(MessageId!, 2);
    expect(ses.sink.records().map((r) => r.eventType)).toEqual(['Send', 'Delivery']);
  });

  it('combines the simulated bounces of one request into one bounce, and delivers the rest', async () => {
    const { MessageId } = await client.send(
      new SendEmailCommand(
        email([MAILBOX_SIMULATOR.bounce, 'bounce+2@simulator.amazonses.com'], {
          Destination: {
            ToAddresses: [MAILBOX_SIMULATOR.bounce],
            CcAddresses: ['bounce+2@simulator.amazonses.com'],
            BccAddresses: ['someone@example.org'],
          },
        }),
      ),
    );
    const events = await eventsOf(MessageId!, 3);
    expect(events.map((e) => e.eventType)).toEqual(['Send', 'Delivery', 'Bounce']);
    expect((events[2] as Extract<SesEventRecord, { eventType: 'Bounce' }>).bounce.bouncedRecipients.map((r) => r.emailAddress)).toEqual([
      MAILBOX_SIMULATOR.bounce,
      'bounce+2@simulator.amazonses.com',
    ]);
    expect(events[1]).toMatchObject({ delivery: { recipients: ['someone@example.org'] } });
    expect(events[0]!.mail.commonHeaders).toMatchObject({ cc: ['bounce+2@simulator.amazonses.com'] });
  });

  it('rejects a message carrying the EICAR test string (Reject, "Bad content"), after accepting it', async () => {
    const input = email([MAILBOX_SIMULATOR.success]);
    input.Content!.Simple!.Body!.Text!.Data = EICAR;
    const { MessageId } = await client.send(new SendEmailCommand(input));
    const events = await eventsOf(MessageId!, 2);
    expect(events.map((e) => e.eventType)).toEqual(['Send', 'Reject']);
    expect(events[1]).toMatchObject({ reject: { reason: 'Bad content' } });
  });

  it('reports a delivery that keeps failing as DeliveryDelay, then a transient bounce', async () => {
    await start({ ...ACCOUNT, delayed: ['slow@example.org'] });
    const { MessageId } = await client.send(new SendEmailCommand(email(['slow@example.org'])));
    const events = await eventsOf(MessageId!, 3);
    expect(events.map((e) => e.eventType)).toEqual(['Send', 'DeliveryDelay', 'Bounce']);
    expect(events[1]).toMatchObject({
      deliveryDelay: {
        delayType: 'TransientCommunicationFailure',
        delayedRecipients: [{ emailAddress: 'slow@example.org', status: '4.4.1' }],
      },
    });
    expect(events[2]).toMatchObject({ bounce: { bounceType: 'Transient', bounceSubType: 'General' } });
  });

  it('publishes nothing for a message sent without a configuration set, and only the matching types otherwise', async () => {
    await start({
      ...ACCOUNT,
      configurationSets: { [SET]: { eventDestinations: [{ name: 'bounces', matchingEventTypes: ['BOUNCE', 'COMPLAINT'] }] } },
    });
    await client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.bounce], { ConfigurationSetName: undefined })));
    const { MessageId } = await client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.complaint, MAILBOX_SIMULATOR.bounce])));
    await eventsOf(MessageId!, 2);
    expect(ses.sink.delivered.map((d) => `${d.eventDestination}:${d.record.eventType}:${d.record.mail.messageId === MessageId}`)).toEqual([
      'bounces:Bounce:true',
      'bounces:Complaint:true',
    ]);
    expect(ses.emails).toHaveLength(2);
  });
});

describe('SendEmail errors, as the SDK types them', () => {
  it('NotFoundException (404) for a configuration set that does not exist', async () => {
    const e = await rejection(client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.success], { ConfigurationSetName: 'nope' }))));
    expect(e).toBeInstanceOf(NotFoundException);
    expect((e as unknown as NotFoundException).$metadata.httpStatusCode).toBe(404);
    expect(e.message).toContain('nope');
  });

  it('MessageRejected for a sender that is not a verified identity, and for unverified recipients in the sandbox', async () => {
    const e = await rejection(
      client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.success], { FromEmailAddress: 'x@elsewhere.example' }))),
    );
    expect(e).toBeInstanceOf(MessageRejected);
    expect(e.message).toBe(
      'Email address is not verified. The following identities failed the check in region AP-EAST-1: x@elsewhere.example',
    );
    await start({ ...ACCOUNT, sandbox: true });
    await client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.bounce])));
    const s = await rejection(client.send(new SendEmailCommand(email(['user@example.org']))));
    expect(s).toBeInstanceOf(MessageRejected);
    expect(s.message).toContain('user@example.org');
  });

  it('MailFromDomainNotVerifiedException, SendingPausedException and AccountSuspendedException from the account state', async () => {
    await start({ ...ACCOUNT, identities: { 'verigate.example': { mailFromDomainVerified: false } } });
    expect(await rejection(client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.success]))))).toBeInstanceOf(
      MailFromDomainNotVerifiedException,
    );
    await start({ ...ACCOUNT, sendingPaused: true });
    expect(await rejection(client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.success]))))).toBeInstanceOf(SendingPausedException);
    await start({ ...ACCOUNT, accountSuspended: true });
    expect(await rejection(client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.success]))))).toBeInstanceOf(
      AccountSuspendedException,
    );
  });

  it.each([
    ['no Content', { Content: undefined }, /Value null at 'content' failed to satisfy constraint: Member must not be null/],
    ['a Simple message without Subject', { Content: { Simple: { Body: { Text: { Data: 'x' } } } } }, /at 'content\.simple\.subject'/],
    ['a recipient without a domain', { Destination: { ToAddresses: ['nobody'] } }, /^Missing final '@domain'$/],
    ['no recipient', { Destination: { ToAddresses: [] } }, /recipient/],
    ['a non-ASCII local part', { Destination: { ToAddresses: ['用户@example.org'] } }, /non-ASCII/],
    ['a message tag with a space', { EmailTags: [{ Name: 'request id', Value: 'x' }] }, /message tag/],
    [
      'two kinds of content',
      { Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 'b' } } }, Raw: { Data: new Uint8Array([65]) } } },
      /exactly one/,
    ],
  ])('BadRequestException for %s', async (_what, override, message) => {
    const e = await rejection(
      client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.success], override as Partial<SendEmailCommandInput>))),
    );
    expect(e).toBeInstanceOf(BadRequestException);
    expect(e.message).toMatch(message);
    expect(ses.emails).toHaveLength(0);
  });

  it('names the error in X-Amzn-Errortype and the message in the body (restJson1)', async () => {
    const res = await fetch(`${ses.endpoint}/v2/email/outbound-emails`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationToken');
    expect(res.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await res.json()).toEqual({ message: 'Missing Authentication Token' });
  });
});

describe('the event as it reaches a function', () => {
  it('wraps a bounce in the SNS Lambda event and in the EventBridge event (source aws.ses, "Email Bounced")', async () => {
    const { MessageId } = await client.send(new SendEmailCommand(email([MAILBOX_SIMULATOR.bounce])));
    const [, bounce] = await eventsOf(MessageId!, 2);
    const sns = snsLambdaEvent(bounce, { topicArn: 'arn:aws:sns:ap-east-1:123456789012:verigate-email-receipts' });
    expect(JSON.parse(sns.Records[0]!.Sns.Message)).toEqual(bounce);
    const eb = sesEventBridgeEvent(bounce!, { account: ses.accountId, region: ses.region });
    expect(eb).toMatchObject({
      source: 'aws.ses',
      'detail-type': 'Email Bounced',
      detail: bounce,
      account: '123456789012',
      region: 'ap-east-1',
    });
    const [send] = await eventsOf(MessageId!, 1);
    expect(sesEventBridgeEvent(send!, { account: ses.accountId, region: ses.region })['detail-type']).toBe('Email Sent');
  });
});
