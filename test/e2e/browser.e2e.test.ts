// The reference partner page in headless Chromium against the e2e stack: check → send → resend refused
// with a countdown → a wrong code in zh-CN → the right code → register → check again. Screenshots of
// each step go to test-artifacts/partner-page/ (gitignored).
//
// The page is served by its own server on a free port, and Chromium is told it lives at
// http://localhost:3001 (one of the local stage's CORS origins), so the API calls from the page are
// real cross-origin calls with real preflights, without needing port 3001 to be free.
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumLaunchOptions } from '../../dev/browser.js';
import { repoRoot } from '../../dev/paths.js';
import { freePort } from '../../dev/processes.js';
import { uniqueEmail, uniqueMobile, uniqueName } from '../../dev/support/identities.js';
import { startPartnerPage, type PartnerPage } from '../../examples/partner-page/server.js';
import { startDocsServer } from '../../openapi/docs-server.js';
import { HTTP_OPERATIONS, OPERATIONS } from '../../shared/operations.js';
import { addFreshPartnerKey } from '../support/fresh-partner-key.js';
import { apiUrl, config, lambdaEndpoint, outboxFor } from './helpers.js';

const PAGE_ORIGIN = 'http://localhost:3001';
const SHOTS = path.join(repoRoot, 'test-artifacts', 'partner-page');

let server: PartnerPage;
let browser: Browser;

beforeAll(async () => {
  // First, so a machine without a Chromium stops here, before anything else starts. The first run
  // fetches it from npm into .cache/ (dev/browser.ts); CHROMIUM_PATH picks a system one instead.
  const launch = await chromiumLaunchOptions();
  await rm(SHOTS, { recursive: true, force: true });
  await mkdir(SHOTS, { recursive: true });
  server = await startPartnerPage({
    port: await freePort(),
    apiUrl: apiUrl(),
    lambdaEndpoint: lambdaEndpoint(),
    config,
    partnerKey: await addFreshPartnerKey('E2EPAGE'),
  });
  // Playwright gives each launch a fresh temporary --user-data-dir of its own and removes it on close.
  browser = await chromium.launch(launch);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function poll<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await read();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Cold starts of the stack's functions make the first answers slow: wait for what the page shows, up to a bound.
const until = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000, interval: 100 });

const shoot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

// The only console errors allowed: Chromium's own note of each deliberately refused API call.
const EXPECTED_REFUSAL = /^Failed to load resource: the server responded with a status of (400|429) /;

describe('the reference partner page in Chromium', () => {
  it('onboards a customer: check, send, resend countdown, wrong code in zh-CN, right code, register', async () => {
    const context = await browser.newContext({ viewport: { width: 900, height: 1000 } });
    const page = await context.newPage();
    const problems: string[] = [];
    const refusals: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (msg: ConsoleMessage) => {
      if (msg.type() !== 'error') return;
      if (EXPECTED_REFUSAL.test(msg.text()) && msg.location().url.startsWith(apiUrl())) refusals.push(msg.text());
      else problems.push(`console.error: ${msg.text()} (${msg.location().url})`);
    });
    // The page's origin is PAGE_ORIGIN; its documents and backend calls are answered by our server.
    await page.route(`${PAGE_ORIGIN}/**`, (route) => route.continue({ url: route.request().url().replace(PAGE_ORIGIN, server.url) }));

    const name = uniqueName();
    const email = uniqueEmail();
    const mobile = uniqueMobile();
    const masked = `+86${mobile.national.slice(0, 3)}****${mobile.national.slice(-4)}`;

    await page.goto(`${PAGE_ORIGIN}/`);
    await page.waitForSelector('body[data-ready=true]');
    await expectAutofillAttributes(page);
    await page.fill('#name', name);
    await page.fill('#email', email);
    await page.fill('#mobile', mobile.national);
    await shoot(page, '01-details');

    // 1. Check, through the partner backend's signed call.
    await page.click('#check');
    await until(() => page.locator('#check-result li').allTextContents()).toHaveLength(3);
    expect(await page.textContent('[data-check=name]')).toBe('Account name: available');
    expect(await page.textContent('[data-check=email]')).toBe('Email: available');
    expect(await page.textContent('[data-check=mobile]')).toBe('Mobile: available — 5 more account(s) can use this number');
    await shoot(page, '02-checked');

    // 2. Send by SMS: the masked number and the code's lifetime.
    const sendPath = OPERATIONS.sendVerificationCode.route.path;
    const sent = page.waitForResponse((r) => r.url().endsWith(sendPath) && r.request().method() === 'POST');
    await page.click('#send');
    const sendResponse = await sent;
    expect(sendResponse.status()).toBe(200);
    await until(() => page.textContent('#send-result')).toBe(`We sent a code to ${masked}. It is valid for 3 minutes.`);
    await shoot(page, '03-sent');
    // Delivery may come just after the answer: wait for the message rather than expect it already there.
    const requestId = (await sendResponse.headerValue('x-request-id')) ?? '';
    const message = await poll(async () => (await outboxFor(requestId))[0], `the outbox message of ${requestId}`);
    expect(message.to).toBe(mobile.e164);

    // An immediate resend is refused; the page counts down from the service's Retry-After.
    const resent = page.waitForResponse((r) => r.url().endsWith(sendPath) && r.request().method() === 'POST');
    await page.click('#send');
    const refused = await resent;
    expect(refused.status()).toBe(429);
    const retryAfter = Number(await refused.headerValue('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await until(() => page.textContent('#send-result')).toMatch(/Verification codes are sent too often\. Try again later\..*You can ask for a new code in \d+ s\./);
    const shown = Number(/in (\d+) s\./.exec((await page.textContent('#send-result')) ?? '')?.[1]);
    expect(shown).toBeLessThanOrEqual(retryAfter);
    expect(shown).toBeGreaterThanOrEqual(retryAfter - 3);
    expect(await page.isDisabled('#send')).toBe(true);
    await shoot(page, '04-resend-countdown');

    // 3. A wrong code, in Chinese: the service's zh-CN message and the attempts left.
    await page.selectOption('#language', 'zh-CN');
    expect(await page.textContent('#verify')).toBe('验证');
    // Everything the page still shows follows: its own check results, and the service's kept answer with its countdown.
    expect(await page.evaluate('[document.documentElement.lang, document.title]')).toEqual(['zh-CN', 'verigate — 合作伙伴参考页面']);
    expect(await page.textContent('[data-check=name]')).toBe('账号名：可用');
    expect(await page.textContent('[data-check=email]')).toBe('邮箱：可用');
    expect(await page.textContent('[data-check=mobile]')).toBe('手机号：可用 — 该号码还可注册 5 个账号');
    expect(await page.textContent('#send-result')).toMatch(/^验证码发送过于频繁，请稍后重试。 \(请求 ID [\w-]+\) \d+ 秒后可重新获取验证码。$/);
    expect(await page.textContent('#send')).toBe('重新发送验证码');
    await shoot(page, '05a-switched-to-zh-CN');
    const wrong = message.code === '000000' ? '111111' : '000000';
    await page.fill('#code', wrong);
    await page.click('#verify');
    await until(() => page.textContent('#verify-result')).toMatch(/^验证码错误。 还可尝试 4 次。 \(请求 ID [\w-]+\)$/);
    await shoot(page, '05-wrong-code-zh-CN');

    // The right code, back in English.
    await page.selectOption('#language', 'en-US');
    expect(await page.textContent('[data-check=name]')).toBe('Account name: available');
    expect(await page.textContent('#verify-result')).toMatch(/^The verification code is incorrect\. 4 attempt\(s\) left\. \(request id [\w-]+\)$/);
    await page.fill('#code', message.code);
    await page.click('#verify');
    await until(() => page.textContent('#verify-result')).toBe('Verified. You can create your account now.');
    await shoot(page, '06-verified');

    // 4. Register through the partner backend (registerCustomer), then the identities are taken.
    await page.click('#register');
    await until(() => page.textContent('#register-result')).toMatch(/^Account created \(page-[\w-]+\)\.$/);
    await shoot(page, '07-registered');
    await page.click('#check');
    await until(() => page.textContent('[data-check=name]')).toBe('Account name: already in use');
    expect(await page.textContent('[data-check=email]')).toBe('Email: already in use');
    expect(await page.textContent('[data-check=mobile]')).toBe('Mobile: available — 4 more account(s) can use this number');
    await shoot(page, '08-taken');

    expect(problems).toEqual([]);
    // The 429 resend and the 400 wrong code, and nothing else.
    expect(refusals).toHaveLength(2);
    await context.close();
  });
});

/** The code field as browsers autofill it: from the SMS (Safari, and WebOTP's origin-bound line), digits only. */
async function expectAutofillAttributes(page: Page): Promise<void> {
  const code = page.locator('#code');
  expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
  expect(await code.getAttribute('inputmode')).toBe('numeric');
  expect(await code.getAttribute('maxlength')).toBe('6');
}

// A stand-in for the WebOTP API as its specification describes it (navigator.credentials.get with
// `otp: { transport: ['sms'] }` answers an OTPCredential whose `code` is read from the SMS's last line,
// and rejects when its signal aborts): a real one needs an Android phone that receives the SMS. Each
// request and abort is logged to sessionStorage, which outlives a reload of the page.
const WEBOTP_STAND_IN = `(() => {
  const log = (entry) => sessionStorage.setItem('webotp', JSON.stringify([...JSON.parse(sessionStorage.getItem('webotp') || '[]'), entry]));
  if (!('OTPCredential' in window)) Object.defineProperty(window, 'OTPCredential', { value: class OTPCredential {}, configurable: true });
  const waiting = [];
  window.__smsArrives = (code) => waiting.splice(0).forEach((answer) => answer(code));
  navigator.credentials.get = (options) =>
    new Promise((resolve, reject) => {
      log({ request: options && options.otp, withSignal: Boolean(options && options.signal) });
      let settled = false;
      waiting.push((code) => {
        if (!settled) (settled = true), resolve({ id: '', type: 'otp', code });
      });
      options.signal.addEventListener('abort', () => {
        if (!settled) (settled = true), log('aborted'), reject(options.signal.reason);
      });
    });
})();`;

describe('autofill of the code on the reference page (WebOTP)', () => {
  it('asks for the SMS code after a send, stops asking when the page is left or the code submitted, and fills and submits what arrives', async () => {
    const context = await browser.newContext();
    await context.addInitScript(WEBOTP_STAND_IN);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    await page.route(`${PAGE_ORIGIN}/**`, (route) => route.continue({ url: route.request().url().replace(PAGE_ORIGIN, server.url) }));
    const webOtpLog = () => page.evaluate<unknown[]>(`JSON.parse(sessionStorage.getItem('webotp') ?? '[]')`);
    const asked = { request: { transport: ['sms'] }, withSignal: true };
    const sendPath = OPERATIONS.sendVerificationCode.route.path;

    /** Fills the details (with a fresh mobile), checks them and sends a code by SMS; the send's request id. */
    async function sendTo(mobile: string, check: boolean): Promise<string> {
      if (check) {
        await page.fill('#name', uniqueName());
        await page.fill('#email', uniqueEmail());
      }
      await page.fill('#mobile', mobile);
      if (check) {
        await page.click('#check');
        await page.waitForSelector('#step-send:not([hidden])');
      }
      const sent = page.waitForResponse((r) => r.url().endsWith(sendPath) && r.request().method() === 'POST');
      await page.click('#send');
      const response = await sent;
      expect(response.status()).toBe(200);
      return (await response.headerValue('x-request-id')) ?? '';
    }

    await page.goto(`${PAGE_ORIGIN}/`);
    await page.waitForSelector('body[data-ready=true]');
    await expectAutofillAttributes(page);
    expect(await webOtpLog()).toEqual([]); // nothing is asked before a code is sent

    // Left: a reload ends the request.
    await sendTo(uniqueMobile().national, true);
    await until(webOtpLog).toEqual([asked]);
    await page.reload();
    await page.waitForSelector('body[data-ready=true]');
    expect(await webOtpLog()).toEqual([asked, 'aborted']);

    // Submitted by hand: the request ends.
    await sendTo(uniqueMobile().national, true);
    await until(webOtpLog).toHaveLength(3);
    await page.fill('#code', '000000');
    await page.click('#verify');
    await until(webOtpLog).toEqual([asked, 'aborted', asked, 'aborted']);

    // The SMS arrives: its code fills the field and is submitted.
    const mobile = uniqueMobile();
    const requestId = await sendTo(mobile.national, false);
    await until(webOtpLog).toHaveLength(5);
    const message = await poll(async () => (await outboxFor(requestId))[0], `the outbox message of ${requestId}`);
    expect(message.text).toContain(message.code);
    await page.evaluate(`window.__smsArrives(${JSON.stringify(message.code)})`);
    await until(() => page.textContent('#verify-result')).toBe('Verified. You can create your account now.');
    expect(await page.inputValue('#code')).toBe(message.code);
    expect(await webOtpLog()).toEqual([asked, 'aborted', asked, 'aborted', asked]);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe('the API docs page in Chromium', () => {
  it('renders every operation of the document from node_modules assets, with no warning and no console error', async () => {
    const docs = await startDocsServer({ port: await freePort(), apiUrl: apiUrl() });
    const page = await browser.newPage();
    const problems: string[] = [];
    const external: string[] = [];
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
    });
    page.on('request', (request) => {
      if (!request.url().startsWith(docs.url) && !request.url().startsWith('data:')) external.push(request.url());
    });
    try {
      await page.goto(`${docs.url}/`);
      await page.waitForSelector('.opblock-summary-path');
      expect((await page.locator('.opblock-summary-path').allTextContents()).sort()).toEqual(HTTP_OPERATIONS.map((o) => o.route.path).sort());
      // Swagger UI shows what it cannot read of a document in an error or warning box.
      expect(await page.locator('.errors-wrapper, .version-pragma').count()).toBe(0);
      expect(await page.textContent('.servers select')).toContain(apiUrl());
      await page.screenshot({ path: path.join(SHOTS, '..', 'docs-page.png'), fullPage: false });
      expect(problems).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await page.close();
      await docs.close();
    }
  });
});
