// The default templates as the local stage renders them (brand `verigate`, no overrides): what the old
// fixed texts said, now said by the defaults every stage starts from.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { compileMessages } from '../../shared/messages/catalog.js';

const catalog = compileMessages(loadConfig({ STAGE: 'local' }));
type Language = 'zh-CN' | 'en-US';

/** The SMS and the email of one code, as the old renderer's subject and body. */
function messageText(m: { code: string; expireSeconds: number; language: Language }) {
  const sms = catalog.render('sms', m.language, m);
  const email = catalog.render('email', m.language, m);
  return { subject: email.subject, bodies: [sms.text, email.text] };
}

describe('the default templates', () => {
  it('names the service, the code and "3 minutes" in English for 180 s', () => {
    const { subject, bodies } = messageText({ code: '042917', expireSeconds: 180, language: 'en-US' });
    expect(catalog.brand).toBe('verigate');
    expect(subject).toContain('verigate');
    for (const body of bodies) {
      expect(body).toContain('verigate');
      expect(body).toContain('042917');
      expect(body).toContain('3 minutes');
    }
  });

  it('names the service, the code and "3 分钟" in Chinese for 180 s', () => {
    const { subject, bodies } = messageText({ code: '042917', expireSeconds: 180, language: 'zh-CN' });
    expect(subject).toContain('verigate');
    expect(subject).toContain('验证码');
    for (const body of bodies) {
      expect(body).toContain('verigate');
      expect(body).toContain('042917');
      expect(body).toContain('3 分钟');
    }
  });

  it('says "1 minute" (singular) for 60 s', () => {
    for (const body of messageText({ code: '000000', expireSeconds: 60, language: 'en-US' }).bodies) expect(body).toMatch(/\b1 minute\b(?!s)/);
  });

  it('says "10 minutes" / "10 分钟" for 600 s', () => {
    for (const body of messageText({ code: '000000', expireSeconds: 600, language: 'en-US' }).bodies) expect(body).toContain('10 minutes');
    for (const body of messageText({ code: '000000', expireSeconds: 600, language: 'zh-CN' }).bodies) expect(body).toContain('10 分钟');
  });

  it('gives seconds when the lifetime is not whole minutes', () => {
    for (const body of messageText({ code: '000000', expireSeconds: 90, language: 'en-US' }).bodies) expect(body).toContain('90 seconds');
    for (const body of messageText({ code: '000000', expireSeconds: 90, language: 'zh-CN' }).bodies) expect(body).toContain('90 秒');
  });

  it('writes English and Chinese differently', () => {
    const en = messageText({ code: '123456', expireSeconds: 180, language: 'en-US' });
    const zh = messageText({ code: '123456', expireSeconds: 180, language: 'zh-CN' });
    for (const [i, body] of en.bodies.entries()) {
      expect(body).not.toBe(zh.bodies[i]);
      expect(body).not.toMatch(/[\u4e00-\u9fff]/);
      expect(zh.bodies[i]).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});
