import { describe, expect, it } from 'vitest';
import { messageText, SERVICE_NAME } from '../../shared/notify/notifier.js';

describe('messageText', () => {
  it('names the service, the code and "3 minutes" in English for 180 s', () => {
    const { subject, body } = messageText({ code: '042917', expireSeconds: 180, language: 'en-US' });
    expect(SERVICE_NAME).toBe('verigate');
    expect(subject).toContain('verigate');
    expect(body).toContain('verigate');
    expect(body).toContain('042917');
    expect(body).toContain('3 minutes');
  });

  it('names the service, the code and "3 分钟" in Chinese for 180 s', () => {
    const { subject, body } = messageText({ code: '042917', expireSeconds: 180, language: 'zh-CN' });
    expect(subject).toContain('verigate');
    expect(subject).toContain('验证码');
    expect(body).toContain('verigate');
    expect(body).toContain('042917');
    expect(body).toContain('3 分钟');
  });

  it('says "1 minute" (singular) for 60 s', () => {
    expect(messageText({ code: '000000', expireSeconds: 60, language: 'en-US' }).body).toMatch(/\b1 minute\b(?!s)/);
  });

  it('says "10 minutes" / "10 分钟" for 600 s', () => {
    expect(messageText({ code: '000000', expireSeconds: 600, language: 'en-US' }).body).toContain('10 minutes');
    expect(messageText({ code: '000000', expireSeconds: 600, language: 'zh-CN' }).body).toContain('10 分钟');
  });

  it('gives seconds when the lifetime is not whole minutes', () => {
    expect(messageText({ code: '000000', expireSeconds: 90, language: 'en-US' }).body).toContain('90 seconds');
    expect(messageText({ code: '000000', expireSeconds: 90, language: 'zh-CN' }).body).toContain('90 秒');
  });

  it('writes English and Chinese differently', () => {
    const en = messageText({ code: '123456', expireSeconds: 180, language: 'en-US' });
    const zh = messageText({ code: '123456', expireSeconds: 180, language: 'zh-CN' });
    expect(en.body).not.toBe(zh.body);
    expect(en.body).not.toMatch(/[\u4e00-\u9fff]/);
    expect(zh.body).toMatch(/[\u4e00-\u9fff]/);
  });
});
