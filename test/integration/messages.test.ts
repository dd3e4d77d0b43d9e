// A stage's message settings through the real send and deliverCode handlers (DynamoDB Local and its
// stream): the brand, the templates and the WebOTP line reach the message; a configuration deliverCode
// could not send as meant stops its cold start.
import { beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail, uniqueMobile } from '../../dev/support/identities.js';
import { loadDeliverCodeRuntime } from '../../functions/deliver-code.js';
import { ConfigError } from '../../shared/config.js';
import { harness, type Harness } from './send-code.harness.js';

let h: Harness;

beforeAll(async () => {
  h = await harness({
    env: {
      MESSAGE_BRAND: 'Acme Cloud',
      WEBOTP_DOMAIN: 'login.acme.example',
      MESSAGE_TEMPLATES: JSON.stringify({
        'en-US': { emailSubject: '{code} is your {brand} code' },
        'ja-JP': {
          sms: '【{brand}】認証コードは {code} です。{lifetime}有効です。',
          voice: '{brand}です。認証コードは {code} です。もう一度、{code} です。',
          voiceId: 'MIZUKI',
          emailSubject: '{brand} 認証コード',
          emailText: '認証コード: {code}（{lifetime}有効）',
          emailHtml: '<p>認証コード: <b>{code}</b></p>',
        },
      }),
    },
  });
});

describe("the stage's messages, sent", () => {
  it('an SMS carries the brand and ends with the WebOTP line of its code, in the language of the request', async () => {
    h.clock.set(Date.now());
    const zh = uniqueMobile().e164;
    const en = uniqueMobile().e164;
    expect((await h.send(zh)).status).toBe(200);
    expect((await h.send(en, { headers: { 'accept-language': 'en-US' } })).status).toBe(200);
    const [zhMessage] = h.messagesTo(zh);
    const [enMessage] = h.messagesTo(en);
    expect(zhMessage!.text).toBe(`【Acme Cloud】您的验证码是 ${zhMessage!.code}，3 分钟内有效。请勿告知他人。\n@login.acme.example #${zhMessage!.code}`);
    expect(enMessage!.text.split('\n')).toEqual([
      `[Acme Cloud] Your verification code is ${enMessage!.code}. It expires in 3 minutes. Do not share it with anyone.`,
      `@login.acme.example #${enMessage!.code}`,
    ]);
    expect((await h.verify(en, enMessage!.code)).status).toBe(200);
  });

  it('a language the stage added reaches the caller who asks for it, by its primary tag too; one it lacks gets the answer\'s', async () => {
    h.clock.set(Date.now());
    const [ja, jaHira, fr] = [uniqueMobile().e164, uniqueMobile().e164, uniqueMobile().e164];
    expect((await h.send(ja, { headers: { 'accept-language': 'fr;q=0.9, ja-JP' } })).status).toBe(200);
    expect((await h.send(jaHira, { headers: { 'accept-language': 'ja-Hira, en;q=0.5' } })).status).toBe(200);
    const refused = await h.send(fr, { headers: { 'accept-language': 'fr, de;q=0.5' } });
    expect(refused.status).toBe(200);
    const [jaMessage] = h.messagesTo(ja);
    const [jaHiraMessage] = h.messagesTo(jaHira);
    const [frMessage] = h.messagesTo(fr);
    expect(jaMessage!.text.split('\n')[0]).toBe(`【Acme Cloud】認証コードは ${jaMessage!.code} です。3 分有効です。`);
    expect(jaHiraMessage!.text).toMatch(/^【Acme Cloud】認証コードは \d{6} です。/);
    expect(frMessage!.text).toMatch(/^【Acme Cloud】您的验证码是 \d{6}，/); // send answers in zh-CN by default
  });

  it("an email takes the stage's subject, the other parts the defaults with its brand", async () => {
    h.clock.set(Date.now());
    const email = uniqueEmail();
    expect((await h.send(email, { token: await h.captcha(email), headers: { 'accept-language': 'en-US' } })).status).toBe(200);
    const [message] = h.messagesTo(email);
    expect(message!.subject).toBe(`${message!.code} is your Acme Cloud code`);
    expect(message!.text).not.toContain('@login.acme.example');
    expect(message!.html).toContain('Acme Cloud');
  });
});

describe("deliverCode's cold start", () => {
  it('refuses a configuration it could not send as meant, naming each problem', async () => {
    const env = {
      STAGE: 'local',
      MESSAGE_TEMPLATES: JSON.stringify({ 'zh-CN': { sms: '您的验证码是 {code}' }, 'en-US': { emailHtml: '<p>{code}' } }),
      SMS_MAX_PARTS: '1',
    };
    const loading = loadDeliverCodeRuntime({ env });
    await expect(loading).rejects.toBeInstanceOf(ConfigError);
    await expect(loading).rejects.toThrow(
      'invalid message configuration:\n' +
        '- zh-CN.sms: must start with its carrier-registered signature in 【】, such as 【{brand}】\n' +
        '- en-US.emailHtml: line 1: <p> is never closed',
    );
  });

  it('takes the local default brand when MESSAGE_BRAND is blank in the local stage', async () => {
    const rt = await loadDeliverCodeRuntime({ env: { STAGE: 'local', MESSAGE_BRAND: ' ' } });
    expect(rt.messages.brand).toBe('verigate');
    expect(rt.messages.render('sms', 'en-US', { code: '042917', expireSeconds: 180 }).text).toMatch(/^\[verigate\] /);
  });
});
