// The stage's messages: brand and templates from configuration, rendered per channel and language, the
// WebOTP line, SMS parts, and the cold-start checks that name every problem at once.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../dev/paths.js';
import { ConfigError, loadConfig } from '../../shared/config.js';
import { compileMessages, type MessageCatalog } from '../../shared/messages/catalog.js';
import { htmlProblems } from '../../shared/messages/html.js';

const compile = (env: Record<string, string> = {}): MessageCatalog => compileMessages(loadConfig({ STAGE: 'local', ...env }));
const templates = (t: Record<string, Record<string, string>>) => ({ MESSAGE_TEMPLATES: JSON.stringify(t) });
/** The problems compiling `env` reports, one per line ([] when it compiles). */
function problems(env: Record<string, string>): string[] {
  try {
    compile(env);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message.split('\n- ').slice(1);
  }
}
const code = { code: '042917', expireSeconds: 180 };

/** A whole set for a language the service does not ship. */
const JAPANESE = {
  sms: '【{brand}】認証コードは {code} です。{lifetime}有効です。',
  voice: '{brand}です。認証コードは {code} です。もう一度、{code} です。',
  voiceId: 'MIZUKI',
  emailSubject: '{brand} 認証コード',
  emailText: '認証コード: {code}（{lifetime}有効）',
  emailHtml: '<p>認証コード: <b>{code}</b></p>',
};

describe('brand and templates from configuration', () => {
  it('puts MESSAGE_BRAND in every default message, in both languages', () => {
    const c = compile({ MESSAGE_BRAND: 'Acme Cloud' });
    for (const language of ['zh-CN', 'en-US']) {
      const sms = c.render('sms', language, code);
      const voice = c.render('voice', language, code);
      const email = c.render('email', language, code);
      for (const text of [sms.text, voice.text, email.subject, email.text, email.html]) expect(text).toContain('Acme Cloud');
      expect(sms.text).not.toContain('verigate');
    }
    expect(c.render('sms', 'zh-CN', code).text).toMatch(/^【Acme Cloud】/);
  });

  it('overrides only the templates given, and a language may carry its own brand', () => {
    const c = compile({
      MESSAGE_BRAND: 'Acme',
      ...templates({ 'en-US': { sms: '{brand} code: {code} ({minutes} min)' }, 'zh-CN': { brand: '阿克米' } }),
    });
    expect(c.render('sms', 'en-US', code).text).toBe('Acme code: 042917 (3 min)');
    expect(c.render('email', 'en-US', code).subject).toBe('[Acme] Your verification code');
    expect(c.render('sms', 'zh-CN', code).text).toBe('【阿克米】您的验证码是 042917，3 分钟内有效。请勿告知他人。');
  });

  it('adds a language by configuration alone, its lifetime worded by ICU', () => {
    const c = compile(templates({ 'ja-JP': JAPANESE }));
    expect(c.languages).toEqual(['zh-CN', 'en-US', 'ja-JP']);
    expect(c.render('sms', 'ja-JP', code).text).toBe('【verigate】認証コードは 042917 です。3 分有効です。');
    expect(c.render('email', 'ja-JP', { code: '042917', expireSeconds: 90 }).text).toBe('認証コード: 042917（90 秒有効）');
    expect(c.render('voice', 'ja-JP', code).voiceId).toBe('MIZUKI');
  });

  it('compiles the example of docs/messages.md', () => {
    const doc = readFileSync(path.join(repoRoot, 'docs', 'messages.md'), 'utf8');
    const example = /```json\n([\s\S]*?)```/.exec(doc)![1]!;
    const c = compile({ MESSAGE_TEMPLATES: example });
    expect(c.languages).toEqual(['zh-CN', 'en-US', 'ja-JP']);
    expect(c.render('sms', 'zh-CN', code).text).toMatch(/^【阿克米云】/);
  });

  it('falls back to en-US for a language it does not have', () => {
    expect(compile().render('sms', 'fr-FR', code).text).toMatch(/^\[verigate\] Your verification code is 042917\./);
  });
});

describe('autofill (WebOTP)', () => {
  it('ends every SMS with the origin-bound line @<domain> #<code> after a newline, when the stage names its domain', () => {
    const c = compile({ WEBOTP_DOMAIN: 'login.example.com' });
    for (const language of ['zh-CN', 'en-US']) {
      const lines = c.render('sms', language, code).text.split('\n');
      expect(lines.at(-1)).toBe('@login.example.com #042917');
      expect(lines).toHaveLength(2);
    }
    // Only the SMS: a voice call or an email has no origin-bound line.
    expect(c.render('email', 'en-US', code).text).not.toContain('@login.example.com');
    expect(compile().render('sms', 'en-US', code).text).not.toContain('\n');
  });
});

describe('SMS parts', () => {
  // "x" padding makes the rendering exactly n characters long with the 6-digit code.
  const enSmsOf = (septets: number) => templates({ 'en-US': { sms: `{code}${'x'.repeat(septets - 6)}` } });
  const zhSmsOf = (chars: number) => templates({ 'zh-CN': { sms: `【品牌】{code}${'码'.repeat(chars - 10)}` } });

  it('counts each rendering with its encoding: GSM-7 in English, UCS-2 in Chinese', () => {
    const c = compile();
    expect(c.render('sms', 'en-US', code)).toMatchObject({ encoding: 'GSM-7', parts: 1 });
    expect(c.render('sms', 'zh-CN', code)).toMatchObject({ encoding: 'UCS-2', parts: 1 });
  });

  it('accepts a GSM-7 template of 160 septets and refuses one of 161 at SMS_MAX_PARTS=1', () => {
    expect(problems(enSmsOf(160))).toEqual([]);
    expect(problems(enSmsOf(161))).toEqual([
      'en-US.sms: 2 parts (GSM-7, 161 septets; one part holds 160 septets, 153 a part beyond), SMS_MAX_PARTS allows 1: shorten it or allow more parts',
    ]);
  });

  it('counts a GSM-7 extension character twice: 79 euro signs and a code fit, one more brace does not', () => {
    const euros = (extra: string) => templates({ 'en-US': { sms: `{code}${'€'.repeat(77)}${extra}` } }); // 6 + 154 septets
    expect(problems(euros(''))).toEqual([]);
    expect(problems(euros('{'))).toHaveLength(1);
  });

  it('accepts a zh-CN template at exactly 70 characters and refuses it one character over', () => {
    expect(compile(zhSmsOf(70)).render('sms', 'zh-CN', code)).toMatchObject({ encoding: 'UCS-2', units: 70, parts: 1 });
    expect(problems(zhSmsOf(71))).toEqual([
      'zh-CN.sms: 2 parts (UCS-2, 71 UTF-16 units; one part holds 70 characters, 67 a part beyond), SMS_MAX_PARTS allows 1: shorten it or allow more parts',
    ]);
  });

  it('measures the longest rendering: the stage lifetime and the WebOTP line count', () => {
    // 68 characters with "3 minutes"; 69 with "10 minutes"; the domain line adds 1 + 19 + 8.
    const sms = templates({ 'en-US': { sms: `{code}, {lifetime}.${'x'.repeat(50)}` } });
    expect(compile(sms).render('sms', 'en-US', code).units).toBe(68);
    expect(compile({ ...sms, CODE_TTL_SECONDS: '600' }).render('sms', 'en-US', { code: '042917', expireSeconds: 600 }).units).toBe(69);
    expect(problems({ ...templates({ 'en-US': { sms: `{code}${'x'.repeat(130)}` } }), WEBOTP_DOMAIN: 'login.example.com' })).toHaveLength(1);
    expect(problems(templates({ 'en-US': { sms: `{code}${'x'.repeat(130)}` } }))).toEqual([]);
  });

  it('counts an emoji as two UCS-2 units, and allows more parts when SMS_MAX_PARTS says so', () => {
    const emoji = templates({ 'en-US': { sms: `{code} 🔐${'x'.repeat(61)}` } }); // 6 + 1 + 2 + 61 = 70 units
    expect(compile(emoji).render('sms', 'en-US', code)).toMatchObject({ encoding: 'UCS-2', units: 70, parts: 1 });
    const over = templates({ 'en-US': { sms: `{code} 🔐${'x'.repeat(62)}` } });
    expect(problems(over)).toHaveLength(1);
    expect(compile({ ...over, SMS_MAX_PARTS: '2' }).render('sms', 'en-US', code)).toMatchObject({ units: 71, parts: 2 });
  });
});

describe('the email', () => {
  it('has a text part and a well-formed HTML part with the code in a large monospace block, the brand, the lifetime and what to do if unasked', () => {
    const c = compile();
    for (const language of ['zh-CN', 'en-US']) {
      const { html, text } = c.render('email', language, code);
      expect(htmlProblems(html)).toEqual([]);
      expect(html).toMatch(/<span style="[^"]*monospace[^"]*font-size:32px[^"]*">042917<\/span>/);
      expect(html).toContain('verigate');
      expect(html).toContain(language === 'en-US' ? 'It expires in 3 minutes' : '3 分钟内有效');
      expect(html).toContain(language === 'en-US' ? 'If you did not ask for this code' : '如果您没有申请验证码');
      expect(text).toContain(language === 'en-US' ? 'If you did not ask for this code' : '如果您没有申请验证码');
      // Nothing fetched, nothing run.
      expect(html).not.toMatch(/https?:|<img|<script|<link|<style/i);
    }
  });

  it('escapes every interpolated value in the HTML part, and only there', () => {
    const c = compile({ MESSAGE_BRAND: 'Tom & Jerry <Inc>' });
    const email = c.render('email', 'en-US', code);
    expect(email.html).toContain('Tom &amp; Jerry &lt;Inc&gt;');
    expect(email.html).not.toContain('<Inc>');
    expect(email.text).toContain('Tom & Jerry <Inc>');
    expect(email.subject).toBe('[Tom & Jerry <Inc>] Your verification code');
  });
});

describe('the voice message', () => {
  it('is SSML in the language`s voice, the code spoken digit by digit, twice, and the brand escaped', () => {
    const c = compile({ MESSAGE_BRAND: 'R&D' });
    const en = c.render('voice', 'en-US', code);
    expect(en).toMatchObject({ channel: 'voice', textType: 'SSML', voiceId: 'JOANNA' });
    expect(en.text).toMatch(/^<speak>.*<\/speak>$/);
    expect(en.text).toContain('R&amp;D');
    const digits = '0<break time="300ms"/>4<break time="300ms"/>2<break time="300ms"/>9<break time="300ms"/>1<break time="300ms"/>7';
    expect(en.text.split(digits)).toHaveLength(3);
    expect(en.text).not.toContain('042917');
    expect(c.render('voice', 'zh-CN', code).voiceId).toBe('ZHIYU');
  });
});

describe('checked at cold start', () => {
  it('names every problem at once', () => {
    const found = problems({
      STAGE: 'local',
      CODE_TTL_SECONDS: '90',
      WEBOTP_DOMAIN: 'https://login.example.com/',
      ...templates({
        'en-US': { sms: 'Your code: {code} from {sender}', emailText: 'Hello from {brand}', voice: 'Your code is {code}.', emailHtml: '<p>Code: <b>{code}</p>' },
        'zh-CN': { sms: '您的验证码是 {code}，{minutes} 分钟内有效。' },
        'ja-JP': { sms: '{code}' },
        'fr-FR': { ...JAPANESE, voiceId: 'JOANA', emailSubjet: 'x' },
        'zh-cn': JAPANESE,
      }),
    });
    expect(found).toEqual([
      'WEBOTP_DOMAIN must be the page\'s host name in lower case, such as login.example.com (no scheme, port or path): not "https://login.example.com/"',
      'MESSAGE_TEMPLATES: fr-FR has an unknown field "emailSubjet" (known: sms, voice, emailSubject, emailText, emailHtml, voiceId, brand)',
      'MESSAGE_TEMPLATES: write the language "zh-cn" as zh-CN',
      'zh-CN.sms: must start with its carrier-registered signature in 【】, such as 【{brand}】',
      'zh-CN.sms: {minutes} cannot say a lifetime of 90 s (CODE_TTL_SECONDS); use {lifetime}',
      'en-US.sms: unknown placeholder {sender} (known: {brand}, {code}, {minutes}, {lifetime})',
      'en-US.voice: says {code} 1 time(s); a voice message says it 2 times',
      'en-US.emailText: {code} is missing',
      'en-US.emailHtml: line 1: <b> is not closed before </p>',
      'MESSAGE_TEMPLATES: ja-JP is incomplete: a language the service does not ship needs voice, emailSubject, emailText, emailHtml, voiceId',
      'fr-FR.voiceId: "JOANA" is not a SendVoiceMessage voice (such as JOANNA, ZHIYU)',
    ]);
  });

  it('refuses templates that are not a JSON object of languages', () => {
    expect(problems({ MESSAGE_TEMPLATES: '{"en-US": {"sms": "x"' })[0]).toMatch(/^MESSAGE_TEMPLATES is not JSON/);
    expect(problems({ MESSAGE_TEMPLATES: '["en-US"]' })).toEqual(['MESSAGE_TEMPLATES must be a JSON object of languages: {"en-US": {"sms": "…"}}']);
    expect(problems(templates({ 'en-US': { sms: '' } }))).toEqual(['MESSAGE_TEMPLATES: en-US.sms must be a non-empty string']);
    expect(problems({ MESSAGE_TEMPLATES: '{"not a tag": {}}' })).toEqual([
      'MESSAGE_TEMPLATES: "not a tag" is not a language tag (such as en-US, zh-CN, ja-JP)',
    ]);
  });

  it('needs MESSAGE_BRAND outside the local stage, one line long', () => {
    const unset = { brand: undefined, templates: undefined, webOtpDomain: undefined, smsMaxParts: 1 };
    expect(() => compileMessages({ stage: 'prod', codeTtlSeconds: 180, messages: unset })).toThrow(
      'invalid message configuration:\n- MESSAGE_BRAND is required in stage prod: the name your users know you by',
    );
    expect(problems({ MESSAGE_BRAND: 'Acme\nCloud' })).toEqual(['MESSAGE_BRAND contains a line break or another control character']);
  });

  it('refuses an email subject of two lines and a language its {lifetime} cannot be worded in', () => {
    expect(problems(templates({ 'en-US': { emailSubject: 'Your code\nBcc: x@example.com' } }))).toEqual(['en-US.emailSubject: a subject is one line']);
    expect(problems(templates({ 'tlh-001': { ...JAPANESE, sms: '{code} {lifetime}' } }))).toEqual([
      'tlh-001: {lifetime} cannot be worded in this language (sms, emailText); use {minutes}',
    ]);
  });
});
