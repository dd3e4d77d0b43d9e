// The stand-ins' SigV4 check: proven on AWS's own test vector, then on requests the official signer
// (@smithy/signature-v4, what the SDK clients use) signs wrongly on purpose.
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSignature, signature, STAND_IN_CREDENTIALS, type TestCredentials } from '../../support/aws/sigv4.js';
import { startSmsVoiceStandIn, type SmsVoiceStandIn } from '../../support/aws/sms-voice-v2.js';

describe('the signature check', () => {
  // "post-vanilla" of AWS's Signature Version 4 test suite
  // (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html).
  const suite = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
  const postVanilla = {
    method: 'POST',
    url: '/',
    headers: {
      host: 'example.amazonaws.com',
      'x-amz-date': '20150830T123600Z',
      authorization:
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b',
    },
    body: Buffer.alloc(0),
  };
  const at = Date.parse('2015-08-30T12:36:00Z');

  it("computes the signature of AWS's post-vanilla test request", () => {
    const scope = {
      accessKeyId: 'AKIDEXAMPLE',
      date: '20150830',
      region: 'us-east-1',
      service: 'service',
      signedHeaders: ['host', 'x-amz-date'],
    };
    expect(signature(postVanilla, scope, suite.secretAccessKey)).toBe('5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b');
    expect(checkSignature(postVanilla, { service: 'service', credentials: [suite], verify: true, now: at })).toMatchObject({ ok: true });
  });

  it('refuses the same request with another body, another key, another service, or 15 minutes late', () => {
    const expect_ = (credentials: TestCredentials[], service = 'service', now = at) => ({ service, credentials, verify: true, now });
    expect(checkSignature({ ...postVanilla, body: Buffer.from('x') }, expect_([suite]))).toMatchObject({
      ok: false,
      status: 403,
      code: 'SignatureDoesNotMatch',
    });
    expect(checkSignature(postVanilla, expect_([STAND_IN_CREDENTIALS]))).toMatchObject({
      ok: false,
      status: 403,
      code: 'InvalidClientTokenId',
    });
    expect(checkSignature(postVanilla, expect_([suite], 'sms-voice'))).toMatchObject({
      ok: false,
      code: 'SignatureDoesNotMatch',
      message: "Credential should be scoped to correct service: 'sms-voice'.",
    });
    expect(checkSignature(postVanilla, expect_([suite], 'service', at + 15 * 60 * 1000 + 1))).toMatchObject({
      ok: false,
      status: 400,
      code: 'RequestExpired',
    });
    expect(
      checkSignature(
        { ...postVanilla, headers: { ...postVanilla.headers, authorization: 'AWS4-HMAC-SHA256 Signature=abc' } },
        expect_([suite]),
      ),
    ).toMatchObject({
      ok: false,
      status: 400,
      code: 'IncompleteSignature',
    });
    const { authorization: _none, ...unsigned } = postVanilla.headers;
    expect(checkSignature({ ...postVanilla, headers: unsigned }, expect_([suite]))).toMatchObject({
      ok: false,
      status: 403,
      code: 'MissingAuthenticationToken',
    });
  });
});

describe('a stand-in refuses what AWS would refuse', () => {
  let eum: SmsVoiceStandIn;
  beforeEach(async () => {
    eum = await startSmsVoiceStandIn();
  });
  afterEach(() => eum.close());

  const body = JSON.stringify({ DestinationPhoneNumber: '+85257048426', MessageBody: 'code 123456' });
  async function post(o: { service?: string; credentials?: TestCredentials; signingDate?: Date; tamper?: boolean } = {}) {
    const url = new URL(eum.endpoint);
    const signer = new SignatureV4({
      service: o.service ?? 'sms-voice',
      region: 'ap-east-1',
      credentials: o.credentials ?? STAND_IN_CREDENTIALS,
      sha256: Sha256,
    });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'PinpointSMSVoiceV2.SendTextMessage' },
        body,
      },
      { signingDate: o.signingDate },
    );
    const res = await fetch(`${eum.endpoint}/`, {
      method: 'POST',
      headers: signed.headers,
      body: o.tamper ? body.replace('123456', '654321') : body,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('accepts a request the official signer signed for sms-voice with the test credentials', async () => {
    expect(await post()).toMatchObject({ status: 200, body: { MessageId: expect.any(String) } });
    expect(eum.calls[0]!.signature).toEqual({
      accessKeyId: STAND_IN_CREDENTIALS.accessKeyId,
      date: expect.stringMatching(/^\d{8}$/),
      region: 'ap-east-1',
      service: 'sms-voice',
      signedHeaders: expect.arrayContaining(['host', 'x-amz-date']),
    });
  });

  it.each([
    ['signed for another service', { service: 'sns' }, 403, 'SignatureDoesNotMatch'],
    ['signed with another secret', { credentials: { ...STAND_IN_CREDENTIALS, secretAccessKey: 'wrong' } }, 403, 'SignatureDoesNotMatch'],
    [
      'signed with an unknown key',
      { credentials: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } },
      403,
      'InvalidClientTokenId',
    ],
    ['signed 20 minutes ago', { signingDate: new Date(Date.now() - 20 * 60 * 1000) }, 400, 'RequestExpired'],
    ['whose body changed after signing', { tamper: true }, 403, 'SignatureDoesNotMatch'],
  ])('refuses a request %s, in the awsJson error shape, and sends nothing', async (_what, o, status, code) => {
    const res = await post(o);
    expect(res.status).toBe(status);
    expect(res.body).toMatchObject({ __type: code, Message: expect.any(String) });
    expect(eum.messages).toHaveLength(0);
    expect(eum.calls).toHaveLength(1);
  });
});
