// `npm run preview`: what a user would receive, from the configuration deliverCode reads, checked alike.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../dev/paths.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the preview as `npm run preview` does (tsx), with `env` over a bare local environment. */
function preview(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      path.join(repoRoot, 'node_modules', '.bin', 'tsx'),
      [path.join(repoRoot, 'scripts', 'preview.ts'), ...args],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

describe('npm run preview', () => {
  it('prints an SMS with its encoding and part count, the WebOTP line last', async () => {
    const run = await preview(['--channel', 'sms', '--language', 'zh-CN', '--code', '123456'], {
      MESSAGE_BRAND: 'Acme',
      WEBOTP_DOMAIN: 'login.acme.example',
    });
    expect(run).toEqual({
      code: 0,
      stderr: '',
      stdout:
        'sms · zh-CN · UCS-2, 63 of 70 UTF-16 units, 1 part (SMS_MAX_PARTS 1)\n' +
        '【Acme】您的验证码是 123456，3 分钟内有效。请勿告知他人。\n' +
        '@login.acme.example #123456\n',
    });
  }, 60_000);

  it('prints every channel and language by default: voice as SSML, email with subject, text and HTML', async () => {
    const run = await preview([], { CODE_TTL_SECONDS: '300' });
    expect(run.code).toBe(0);
    const headings = run.stdout.split('\n').filter((l) => /^(sms|voice|email) · /.test(l));
    expect(headings).toEqual([
      'sms · zh-CN · UCS-2, 39 of 70 UTF-16 units, 1 part (SMS_MAX_PARTS 1)',
      'sms · en-US · GSM-7, 100 of 160 septets, 1 part (SMS_MAX_PARTS 1)',
      'voice · zh-CN · SendVoiceMessage SSML, voice ZHIYU',
      'voice · en-US · SendVoiceMessage SSML, voice JOANNA',
      'email · zh-CN',
      'email · en-US',
    ]);
    expect(run.stdout).toContain('It expires in 5 minutes.');
    expect(run.stdout).toContain('Subject: [verigate] Your verification code\n--- text ---\nverigate\n');
    expect(run.stdout).toMatch(/--- html ---\n<!DOCTYPE html>/);
  }, 60_000);

  it('refuses the configuration deliverCode would refuse, naming each problem, and exits 1', async () => {
    const run = await preview(['--stage', 'nowhere'], { MESSAGE_TEMPLATES: '{"en-US":{"sms":"Code {code} for {user}"}}' });
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'invalid message configuration:\n' +
        '- MESSAGE_BRAND is required in stage nowhere: the name your users know you by\n' +
        '- en-US.sms: unknown placeholder {user} (known: {brand}, {code}, {minutes}, {lifetime})\n',
    });
  }, 60_000);

  it('answers a wrong option with its usage, and exits 2', async () => {
    const run = await preview(['--channel', 'fax']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^--channel must be one of sms, voice, email\nusage: npm run preview/);
  }, 60_000);
});
