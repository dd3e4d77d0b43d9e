// Hostile input on the three HTTP routes, each sent with VALID caller auth (partner token, CAPTCHA pass for
// the very user, app token) so that it reaches body parsing and validation: always the family's 400, never a
// 5xx, a JSON envelope without internals, and exactly one audit record with the raw values kept out of it.
import { describe, expect, it } from 'vitest';
import { uniqueMobile } from '../../dev/support/identities.js';
import type { HttpOperationName } from '../../shared/operations.js';
import {
  appToken,
  call,
  callAsApiGateway,
  captchaToken,
  expectAudited,
  expectError,
  expectNoInternals,
  expectOk,
  partnerToken,
} from './helpers.js';

interface Case {
  label: string;
  body?: unknown;
  raw?: string | Uint8Array;
  contentType?: string | null;
  /**
   * serverless-offline does not pass this request on as API Gateway would (a missing content type becomes
   * application/json; a JSON string body arrives already parsed, i.e. as the inner text). Over HTTP we can
   * only check "no 5xx, clean, audited"; the 400 is checked on the event API Gateway would deliver.
   */
  emulatorRewrites?: true;
}

const NINE_KIB = 9 * 1024;
const withKey = (valid: object, json: string): string => JSON.stringify(valid).replace(/}$/, `,${json}}`);

/** Shape and transport problems, whatever the route: built around an otherwise valid body. */
function genericCases(valid: Record<string, unknown>): Case[] {
  const json = JSON.stringify(valid);
  return [
    { label: 'malformed JSON (truncated)', raw: json.slice(0, -1) },
    { label: 'malformed JSON (trailing garbage)', raw: `${json}x` },
    { label: 'malformed JSON (single quotes)', raw: json.replace(/"/g, "'") },
    { label: 'JSON array body', raw: `[${json}]` },
    { label: 'JSON string body', raw: JSON.stringify(json), emulatorRewrites: true },
    { label: 'JSON null body', raw: 'null' },
    { label: 'JSON number body', raw: '42' },
    { label: 'JSON true body', raw: 'true' },
    { label: 'empty body', raw: '' },
    { label: 'whitespace body', raw: ' \n\t ' },
    { label: '9 KiB body (valid JSON padded with whitespace)', raw: json + ' '.repeat(NINE_KIB) },
    { label: '9 KiB body (a long unknown field)', body: { ...valid, padding: 'x'.repeat(NINE_KIB) } },
    { label: 'Content-Type text/plain', raw: json, contentType: 'text/plain' },
    { label: 'no Content-Type', raw: json, contentType: null, emulatorRewrites: true },
    {
      label: 'Content-Type form-urlencoded',
      raw: new URLSearchParams(valid as Record<string, string>).toString(),
      contentType: 'application/x-www-form-urlencoded',
    },
    { label: 'Content-Type application/json-patch+json', raw: json, contentType: 'application/json-patch+json' },
    { label: 'extra field', body: { ...valid, extra: 1 } },
    { label: 'extra field named isAdmin', body: { ...valid, isAdmin: true } },
    { label: '__proto__ key', raw: withKey(valid, '"__proto__":{"isAdmin":true}') },
    { label: 'constructor.prototype key', raw: withKey(valid, '"constructor":{"prototype":{"isAdmin":true}}') },
    { label: 'byte order mark before the JSON', raw: `\ufeff${json}` },
    { label: 'deeply nested arrays', raw: `${'['.repeat(4000)}${']'.repeat(4000)}` },
    { label: 'invalid UTF-8 bytes', raw: new Uint8Array([...Buffer.from('{"x":"'), 0xff, 0xfe, 0xc0, ...Buffer.from('"}')]) },
  ];
}

const fullWidth = (digits: string): string => digits.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)));
const arabicIndic = (digits: string): string => digits.replace(/\d/g, (d) => String.fromCharCode(0x0660 + Number(d)));

const SQL = "' OR 1=1 --";
const SCRIPT = '<script>alert(1)</script>';

async function expectAll400(
  op: HttpOperationName,
  family: 'CBC.0100' | 'USG.000000001',
  cases: Case[],
  headers: () => Promise<Record<string, string>>,
) {
  for (const c of cases) {
    const res = await call(op, c.body, {
      headers: await headers(),
      ...(c.raw !== undefined ? { raw: c.raw } : {}),
      ...(c.contentType !== undefined ? { contentType: c.contentType } : {}),
    });
    const context = `${op}: ${c.label} → ${res.status} ${res.text.slice(0, 200)}`;
    if (c.emulatorRewrites) {
      expect.soft(res.status, context).toBeLessThan(500);
      expectNoInternals(res.text);
      await expectAudited(res);
      const raw = typeof c.raw === 'string' ? c.raw : JSON.stringify(c.body);
      const eventHeaders: Record<string, string> = { ...(await headers()) };
      if (c.contentType !== null) eventHeaders['content-type'] = c.contentType ?? 'application/json';
      const viaEvent = await callAsApiGateway(op, { headers: eventHeaders, body: raw });
      expect.soft(viaEvent.status, `${op}: ${c.label} (API Gateway event) → ${viaEvent.status} ${viaEvent.text}`).toBe(400);
      if (viaEvent.status === 400) await expectError(viaEvent, 400, family);
      continue;
    }
    expect.soft(res.status, context).toBe(400);
    if (res.status === 400) await expectError(res, 400, family);
  }
}

describe('check-identity (valid X-Auth-Token) → 400 CBC.0100', () => {
  const auth = async () => ({ 'X-Auth-Token': await partnerToken() });
  const valid = { search_type: 'name', search_value: 'ceshiyonghu001' };
  const mobile = uniqueMobile();

  it('shape and transport problems', async () => {
    await expectAll400('checkIdentity', 'CBC.0100', genericCases(valid), auth);
  });

  it('wrong types, missing and unknown values', async () => {
    const cases: Case[] = [
      { label: 'search_value: 5', body: { search_type: 'name', search_value: 5 } },
      { label: 'search_value: null', body: { search_type: 'name', search_value: null } },
      { label: 'search_value: true', body: { search_type: 'name', search_value: true } },
      { label: 'search_value: array', body: { search_type: 'name', search_value: ['ceshiyonghu001'] } },
      { label: 'search_value: object', body: { search_type: 'name', search_value: { $ne: '' } } },
      { label: 'search_type: 5', body: { search_type: 5, search_value: 'ceshiyonghu001' } },
      { label: 'search_type: unknown', body: { search_type: 'phone', search_value: 'ceshiyonghu001' } },
      { label: 'search_type: NAME (case)', body: { search_type: 'NAME', search_value: 'ceshiyonghu001' } },
      { label: 'missing search_value', body: { search_type: 'name' } },
      { label: 'missing search_type', body: { search_value: 'ceshiyonghu001' } },
      { label: 'empty object', body: {} },
      { label: 'empty search_value', body: { search_type: 'name', search_value: '' } },
      { label: '65-character search_value', body: { search_type: 'email', search_value: `${'a'.repeat(53)}@example.com` } },
    ];
    await expectAll400('checkIdentity', 'CBC.0100', cases, auth);
  });

  it('unicode tricks, SQL and script text', async () => {
    const cases: Case[] = [
      { label: 'full-width digits in a mobile', body: { search_type: 'mobile', search_value: `0086-${fullWidth(mobile.national)}` } },
      { label: 'Arabic-Indic digits in a mobile', body: { search_type: 'mobile', search_value: `0086-${arabicIndic(mobile.national)}` } },
      { label: 'full-width dash in a mobile', body: { search_type: 'mobile', search_value: `0086\uff0d${mobile.national}` } },
      { label: 'trailing newline in a mobile', body: { search_type: 'mobile', search_value: `${mobile.dashed}\n` } },
      { label: 'zero-width space in a name', body: { search_type: 'name', search_value: 'ceshi\u200byonghu001' } },
      { label: 'zero-width joiner in a name', body: { search_type: 'name', search_value: 'ceshiyonghu\u200d001' } },
      { label: 'RTL override in a name', body: { search_type: 'name', search_value: '\u202eceshiyonghu001' } },
      { label: 'emoji in a name', body: { search_type: 'name', search_value: 'ceshi😀yonghu' } },
      { label: 'Cyrillic look-alike in a name', body: { search_type: 'name', search_value: 'ceshiyоnghu001' } },
      { label: 'lone surrogate in a name', raw: '{"search_type":"name","search_value":"ceshi\\ud800yonghu"}' },
      { label: 'NUL in a name', raw: '{"search_type":"name","search_value":"ceshi\\u0000yonghu"}' },
      { label: 'trailing newline in a name', body: { search_type: 'name', search_value: 'ceshiyonghu001\n' } },
      { label: 'RTL override in an email', body: { search_type: 'email', search_value: 'test\u202emoc.elpmaxe@example.com' } },
      { label: 'full-width @ in an email', body: { search_type: 'email', search_value: 'test\uff20example.com' } },
      { label: 'emoji in an email', body: { search_type: 'email', search_value: 'te😀st@example.com' } },
      { label: 'SQL as a name', body: { search_type: 'name', search_value: SQL } },
      { label: 'SQL as an email', body: { search_type: 'email', search_value: `${SQL}@example.com` } },
      { label: 'SQL as a mobile', body: { search_type: 'mobile', search_value: `0086-1 ${SQL}` } },
      { label: 'script as a name', body: { search_type: 'name', search_value: SCRIPT } },
      { label: 'script as an email', body: { search_type: 'email', search_value: `${SCRIPT}@example.com` } },
    ];
    await expectAll400('checkIdentity', 'CBC.0100', cases, auth);
  });

  it('caller auth comes first: a hostile body without credentials is 403 CBC.0151', async () => {
    await expectError(await call('checkIdentity', undefined, { raw: '{"search_type":' }), 403, 'CBC.0151');
    await expectError(await call('checkIdentity', { search_type: 'name', search_value: SCRIPT }), 403, 'CBC.0151');
  });

  it('still answers normally afterwards (nothing polluted)', async () => {
    const res = await call('checkIdentity', valid, { headers: await auth() });
    await expectOk(res);
    expect(res.text).toBe('{"error_code":"CBC.0000","error_msg":"success","check_result":"available"}');
  });
});

describe('send (CAPTCHA pass for the same user) → 400 USG.000000001', () => {
  /** A valid body: a fresh mobile with its own CAPTCHA pass. */
  const validFor = async (user: string) => ({ user, token: await captchaToken(user) });
  const noHeaders = async () => ({});

  it('shape and transport problems', async () => {
    // A fresh destination and pass per case: were a case accepted, it could not be refused by a limit instead.
    for (const c of genericCases(await validFor(uniqueMobile().e164))) {
      const valid = await validFor(uniqueMobile().e164);
      const [again] = genericCases(valid).filter((g) => g.label === c.label);
      await expectAll400('sendVerificationCode', 'USG.000000001', [again!], noHeaders);
    }
  });

  it('wrong types, missing and unknown values', async () => {
    const m = uniqueMobile().e164;
    const token = await captchaToken(m);
    const cases: Case[] = [
      { label: 'user: 5', body: { user: 5, token: await captchaToken('5') } },
      { label: 'user: number of a mobile', body: { user: Number(m.slice(1)), token } },
      { label: 'user: null', body: { user: null, token } },
      { label: 'user: array', body: { user: [m], token } },
      { label: 'user: object', body: { user: { $gt: '' }, token } },
      { label: 'token: 5', body: { user: m, token: 5 } },
      { label: 'token: object', body: { user: m, token: {} } },
      { label: 'sendMethod: fax', body: { user: m, token, sendMethod: 'fax' } },
      { label: 'sendMethod: 1', body: { user: m, token, sendMethod: 1 } },
      { label: 'sendMethod email for a mobile', body: { user: m, token, sendMethod: 'email' } },
      { label: 'missing user', body: { token } },
      { label: 'empty user', body: { user: '', token: await captchaToken('') } },
      { label: '256-character user', body: { user: 'a'.repeat(256), token: await captchaToken('a'.repeat(256)) } },
      { label: 'extra field', body: { user: m, token, expire: 600 } },
    ];
    await expectAll400('sendVerificationCode', 'USG.000000001', cases, noHeaders);
  });

  it('unicode tricks, SQL and script text (each with a pass issued for that very string)', async () => {
    const { national } = uniqueMobile();
    const users = [
      `+86${fullWidth(national)}`,
      `+86${arabicIndic(national)}`,
      `+86\u200b${national}`,
      `\u202e+86${national}`,
      `+86${national}😀`,
      'ceshi\u200byonghu001',
      '\u202eceshiyonghu001',
      'ceshi😀yonghu',
      'test\u202e@example.com',
      'test\uff20example.com',
      'te😀st@example.com',
      SQL,
      `${SQL}@example.com`,
      SCRIPT,
      `${SCRIPT}@example.com`,
    ];
    const cases: Case[] = [];
    for (const user of users) cases.push({ label: `user ${JSON.stringify(user)}`, body: { user, token: await captchaToken(user) } });
    cases.push({
      label: 'lone surrogate user',
      raw: `{"user":"ceshi\\ud800yonghu","token":${JSON.stringify(await captchaToken('ceshi\ud800yonghu'))}}`,
    });
    await expectAll400('sendVerificationCode', 'USG.000000001', cases, noHeaders);
  });
});

describe('verify (valid X-Access-Token) → 400 USG.000000001', () => {
  const auth = async () => ({ 'X-Access-Token': await appToken() });

  it('shape and transport problems', async () => {
    await expectAll400(
      'verifyVerificationCode',
      'USG.000000001',
      genericCases({ contact: uniqueMobile().e164, verificationCode: '123456' }),
      auth,
    );
  });

  it('wrong types, missing and unknown values', async () => {
    const m = uniqueMobile().e164;
    const cases: Case[] = [
      { label: 'verificationCode: number', body: { contact: m, verificationCode: 123456 } },
      { label: 'verificationCode: null', body: { contact: m, verificationCode: null } },
      { label: 'verificationCode: array', body: { contact: m, verificationCode: ['123456'] } },
      { label: 'contact: 5', body: { contact: 5, verificationCode: '123456' } },
      { label: 'contact: object', body: { contact: { $ne: '' }, verificationCode: '123456' } },
      { label: 'country: 86', body: { contact: m, country: 86, verificationCode: '123456' } },
      { label: 'missing verificationCode', body: { contact: m } },
      { label: 'missing contact', body: { verificationCode: '123456' } },
      { label: 'extra field', body: { contact: m, verificationCode: '123456', remaining_attempts: 99 } },
      { label: 'an account name as contact', body: { contact: 'ceshiyonghu001', verificationCode: '123456' } },
      { label: 'unknown country for a national number', body: { contact: m.slice(3), country: 'atlantis', verificationCode: '123456' } },
      // Region names must not resolve through Object.prototype (was a 500 before commit 176cb6d).
      ...['__proto__', 'constructor', 'Constructor', 'toString', 'hasOwnProperty', 'valueOf'].map((country) => ({
        label: `country ${country}`,
        body: { contact: m.slice(3), country, verificationCode: '123456' },
      })),
    ];
    await expectAll400('verifyVerificationCode', 'USG.000000001', cases, auth);
  });

  it('malformed verification codes', async () => {
    const m = uniqueMobile().e164;
    const codes = [
      '1'.repeat(33),
      '12345',
      '1234567',
      ' 123456',
      '123456 ',
      '12 3456',
      'abcdef',
      '12345a',
      arabicIndic('123456'),
      fullWidth('123456'),
      '१२३४५६',
      '123\u200b456',
      '-12345',
      '1e5000',
      '',
    ];
    await expectAll400(
      'verifyVerificationCode',
      'USG.000000001',
      codes.map((code) => ({ label: `verificationCode ${JSON.stringify(code)}`, body: { contact: m, verificationCode: code } })),
      auth,
    );
  });

  it('unicode tricks, SQL and script text as contact', async () => {
    const { national } = uniqueMobile();
    const contacts = [
      `+86${fullWidth(national)}`,
      `+86${arabicIndic(national)}`,
      `+86\u200b${national}`,
      `\u202e+86${national}`,
      `+86${national}😀`,
      'test\u202e@example.com',
      'te😀st@example.com',
      SQL,
      `${SQL}@example.com`,
      SCRIPT,
      `${SCRIPT}@example.com`,
    ];
    await expectAll400(
      'verifyVerificationCode',
      'USG.000000001',
      contacts.map((contact) => ({ label: `contact ${JSON.stringify(contact)}`, body: { contact, verificationCode: '123456' } })),
      auth,
    );
  });

  it('caller auth comes first: a hostile body without a token is 401 USG.000000004', async () => {
    await expectError(await call('verifyVerificationCode', undefined, { raw: '{"contact":' }), 401, 'USG.000000004');
    await expectError(await call('verifyVerificationCode', { contact: SCRIPT, verificationCode: '1'.repeat(33) }), 401, 'USG.000000004');
  });
});
