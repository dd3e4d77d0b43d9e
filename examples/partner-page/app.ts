// The reference partner page: the onboarding flow a partner's site builds on verigate. Send and verify
// go from the browser straight to the API with the typed client (a cross-origin call, CORS as deployed);
// everything needing a partner secret goes through the partner's own backend (/backend/*, server.ts).
//
// It speaks one language at a time: every text on it, the service's answers included, follows the
// language chosen. Requests carry it as Accept-Language; what the page keeps showing (check results, a
// send's confirmation or error, a countdown) is kept as what it means, and shown again in the new
// language on a switch. An answer of the service in another language is shown from the service's own
// catalogue of messages (shared/errors.ts), by its error code.
import { createVerigateClient, requestIdOf, retryAfterSeconds, type Language, type UsgError } from '../../client/index.js';
import { ERROR_CODES, messageFor, type ErrorCode } from '../../shared/errors.js';

const UI = {
  'en-US': {
    pageTitle: 'verigate — reference partner page',
    title: 'Create your account',
    language: 'Language',
    step1: '1. Choose your sign-in details',
    name: 'Account name',
    email: 'Email',
    mobile: 'Mobile',
    check: 'Check availability',
    step2: '2. Confirm a contact',
    bySms: 'Text me a code',
    byEmail: 'Email me a code',
    send: 'Send code',
    resend: 'Send a new code',
    captchaNote: "Here the partner backend stands in for the puzzle CAPTCHA; a real page gets the pass from the operator's puzzle service.",
    step3: '3. Enter the code',
    code: 'Verification code',
    verify: 'Verify',
    step4: '4. Create the account',
    register: 'Create account',
    checked: (label: string, result: string) => `${label}: ${result}`,
    available: 'available',
    taken: 'already in use',
    slots: (n: number) => `${n} more account(s) can use this number`,
    sentTo: (to: string, s: number) => `We sent a code to ${to}. It is valid for ${Math.round(s / 60)} minutes.`,
    resendIn: (s: number) => `You can ask for a new code in ${s} s.`,
    tryAgainIn: (s: number) => `Try again in ${s} s.`,
    attemptsLeft: (n: number) => `${n} attempt(s) left.`,
    verified: 'Verified. You can create your account now.',
    registered: (id: string) => `Account created (${id}).`,
    conflict: 'This name, email or mobile number has just been taken. Check again.',
    failed: (status: number) => `Something went wrong (${status}). Try again.`,
    fillIn: 'Enter an account name and an email or a mobile number.',
    requestId: 'request id',
  },
  'zh-CN': {
    pageTitle: 'verigate — 合作伙伴参考页面',
    title: '创建账号',
    language: '语言',
    step1: '1. 填写登录信息',
    name: '账号名',
    email: '邮箱',
    mobile: '手机号',
    check: '检查是否可用',
    step2: '2. 验证联系方式',
    bySms: '短信发送验证码',
    byEmail: '邮件发送验证码',
    send: '发送验证码',
    resend: '重新发送验证码',
    captchaNote: '此处由合作伙伴后端代替拼图验证码；真实页面从运营方的拼图验证服务获取凭证。',
    step3: '3. 输入验证码',
    code: '验证码',
    verify: '验证',
    step4: '4. 创建账号',
    register: '创建账号',
    checked: (label: string, result: string) => `${label}：${result}`,
    available: '可用',
    taken: '已被使用',
    slots: (n: number) => `该号码还可注册 ${n} 个账号`,
    sentTo: (to: string, s: number) => `验证码已发送至 ${to}，${Math.round(s / 60)} 分钟内有效。`,
    resendIn: (s: number) => `${s} 秒后可重新获取验证码。`,
    tryAgainIn: (s: number) => `请 ${s} 秒后重试。`,
    attemptsLeft: (n: number) => `还可尝试 ${n} 次。`,
    verified: '验证成功，现在可以创建账号。',
    registered: (id: string) => `账号已创建（${id}）。`,
    conflict: '该账号名、邮箱或手机号刚刚已被使用，请重新检查。',
    failed: (status: number) => `出错了（${status}），请重试。`,
    fillIn: '请填写账号名，以及邮箱或手机号。',
    requestId: '请求 ID',
  },
} as const;

type Strings = (typeof UI)[Language];
type StaticKey = { [K in keyof Strings]: Strings[K] extends string ? K : never }[keyof Strings];

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
};
const value = (id: string): string => $<HTMLInputElement>(id).value.trim();

let language: Language = 'en-US';
const t = (): Strings => UI[language];

// ---------- what the page keeps showing, in the language of the moment ----------

/** An answer of the service: its words in the language it was asked in, and its code to say it in another. */
interface ServiceAnswer {
  code: string | undefined;
  message: string;
  language: Language;
}
const answerOf = (body: { error_code?: string; error_msg?: string } | undefined, status: number): ServiceAnswer => ({
  code: body?.error_code,
  message: body?.error_msg ?? String(status),
  language,
});
const isKnownCode = (code: string | undefined): code is ErrorCode => code !== undefined && Object.hasOwn(ERROR_CODES, code);
const say = (a: ServiceAnswer): string => (a.language === language || !isKnownCode(a.code) ? a.message : messageFor(a.code, language));

/** Each result area's painter: called when its result changes and again on every change of language. */
const painters = new Map<string, () => void>();
function keep(id: string, paint: () => void): void {
  painters.set(id, paint);
  paint();
}

/** A countdown shown after a result, re-worded each second in the language of the moment. */
interface Countdown {
  left: number;
  words: (s: Strings, seconds: number) => string;
}

/** Shows a result that stays until the next one: its text, and the request id of a refusal. */
function show(id: string, text: () => string, ok: boolean, response?: Response, countdown?: Countdown): void {
  const rid = response && !ok ? requestIdOf(response) : undefined;
  keep(id, () => {
    const el = $(id);
    el.className = `result ${ok ? 'ok' : 'bad'}`;
    const base = rid ? `${text()} (${t().requestId} ${rid})` : text();
    el.textContent = countdown && countdown.left > 0 ? `${base} ${countdown.words(t(), countdown.left)}` : base;
  });
}

/** Counts down `seconds` after the result in `id`, keeping `button` disabled until it reaches zero. */
let ticking: ReturnType<typeof setInterval> | undefined;
function showWithCountdown(
  id: string,
  button: HTMLButtonElement,
  text: () => string,
  response: Response,
  seconds: number,
  words: Countdown['words'],
): void {
  clearInterval(ticking);
  const countdown: Countdown = { left: seconds, words };
  button.disabled = true;
  show(id, text, false, response, countdown);
  ticking = setInterval(() => {
    countdown.left -= 1;
    if (countdown.left <= 0) {
      clearInterval(ticking);
      button.disabled = false;
    }
    painters.get(id)?.();
  }, 1000);
}

function applyLanguage(): void {
  document.documentElement.lang = language;
  document.title = t().pageTitle;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t()[el.dataset.i18n as StaticKey];
  for (const paint of painters.values()) paint();
}

// ---------- autofill of the code (WebOTP) ----------

// The SMS ends with `@<this page's host> #<code>` when the stage names it (WEBOTP_DOMAIN): where the
// browser has the WebOTP API (Chrome on Android), it offers that code and the page fills it in.
// autocomplete="one-time-code" on the field does the same on Safari, from the message itself.
interface OtpCredential extends Credential {
  code: string;
}
let otpRequest: AbortController | undefined;

function stopListeningForCode(): void {
  otpRequest?.abort();
  otpRequest = undefined;
}

function listenForCode(): void {
  stopListeningForCode();
  if (!('OTPCredential' in window)) return;
  const request = new AbortController();
  otpRequest = request;
  const options = { otp: { transport: ['sms'] }, signal: request.signal } as CredentialRequestOptions;
  navigator.credentials.get(options).then(
    (credential) => {
      const code = (credential as OtpCredential | null)?.code;
      if (!code || request.signal.aborted) return;
      $<HTMLInputElement>('code').value = code;
      $('verify').click();
    },
    // Aborted (submitted, left, sent again) or declined: the field is there to type in.
    () => undefined,
  );
}
window.addEventListener('pagehide', stopListeningForCode);

// ---------- the flow ----------

async function backend<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': language },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const { apiUrl } = (await (await fetch('/backend/config')).json()) as { apiUrl: string };
const api = createVerigateClient({ baseUrl: apiUrl });
const headers = (): { 'Accept-Language': Language } => ({ 'Accept-Language': language });

const mobileE164 = (): string | undefined => (value('mobile') ? `+${value('country-code')}${value('mobile')}` : undefined);
const mobileDashed = (): string | undefined => (value('mobile') ? `00${value('country-code')}-${value('mobile')}` : undefined);
let contact: string | undefined;

$('language').addEventListener('change', () => {
  language = $<HTMLSelectElement>('language').value as Language;
  applyLanguage();
});

type CheckType = 'name' | 'email' | 'mobile';
type CheckLine =
  | { type: CheckType; available: boolean; slots: number | undefined }
  | { type: CheckType; answer: ServiceAnswer };

function paintChecks(lines: CheckLine[] | 'fill-in'): void {
  const list = $('check-result');
  if (lines === 'fill-in') {
    list.replaceChildren(Object.assign(document.createElement('li'), { className: 'bad', textContent: t().fillIn }));
    return;
  }
  list.replaceChildren(
    ...lines.map((line) => {
      const item = document.createElement('li');
      item.dataset.check = line.type;
      if ('answer' in line) {
        item.className = 'bad';
        item.textContent = t().checked(t()[line.type], say(line.answer));
      } else {
        item.className = line.available ? 'ok' : 'bad';
        const result = line.available ? t().available : t().taken;
        item.textContent = t().checked(t()[line.type], `${result}${line.slots === undefined ? '' : ` — ${t().slots(line.slots)}`}`);
      }
      return item;
    }),
  );
}

// 1. Check: through the partner backend, which signs the call with the partner's AK/SK.
$('check').addEventListener('click', async () => {
  const checks = (
    [
      ['name', value('name')],
      ['email', value('email')],
      ['mobile', mobileDashed()],
    ] as const
  ).filter((c): c is readonly [CheckType, string] => Boolean(c[1]));
  if (!value('name') || checks.length < 2) {
    keep('check-result', () => paintChecks('fill-in'));
    return;
  }
  const lines: CheckLine[] = [];
  keep('check-result', () => paintChecks(lines));
  let allAvailable = true;
  for (const [type, search] of checks) {
    const res = await backend<{ check_result?: string; mobile_remain_available_num?: number; error_code?: string; error_msg?: string }>(
      '/backend/check-identity',
      { search_type: type, search_value: search },
    );
    if (res.status === 200 && res.body.check_result) {
      const available = res.body.check_result === 'available';
      allAvailable &&= available;
      lines.push({ type, available, slots: res.body.mobile_remain_available_num });
    } else {
      allAvailable = false;
      lines.push({ type, answer: answerOf(res.body, res.status) });
    }
    painters.get('check-result')?.();
  }
  $('step-send').hidden = !allAvailable;
});

// 2. Send: the browser calls the API itself, with a CAPTCHA pass issued for this very user.
$('send').addEventListener('click', async () => {
  const method = document.querySelector<HTMLInputElement>('input[name=method]:checked')?.value === 'email' ? 'email' : 'sms';
  const user = method === 'email' ? value('email') : mobileE164();
  if (!user) return show('send-result', () => t().fillIn, false);
  stopListeningForCode();
  const captcha = await backend<{ token: string }>('/backend/captcha', { user });
  const { data, error, response } = await api.POST('/v1/usg/acs/verifycode/send', {
    body: { user, sendMethod: method, token: captcha.body.token },
    headers: headers(),
  });
  const button = $<HTMLButtonElement>('send');
  if (data) {
    contact = user;
    const to = data.bindPhone ?? data.bindEmail ?? '';
    show('send-result', () => t().sentTo(to, data.expire), true);
    keep('send', () => (button.textContent = t().resend));
    $('step-verify').hidden = false;
    if (method === 'sms') listenForCode();
    return;
  }
  const answer = answerOf(error as UsgError | undefined, response.status);
  const wait = retryAfterSeconds(response);
  // The resend countdown comes from the service's own Retry-After.
  if (wait !== undefined) showWithCountdown('send-result', button, () => say(answer), response, wait, (s, n) => s.resendIn(n));
  else show('send-result', () => say(answer), false, response);
});

// 3. Verify: the app's access token (from the partner's backend) and the code the person typed.
$('verify').addEventListener('click', async () => {
  if (!contact) return;
  stopListeningForCode();
  const app = await backend<{ token: string }>('/backend/app-token', {});
  const { error, response } = await api.POST('/v1/usg/dcs/member/verification-code/verify', {
    body: { contact, verificationCode: value('code') },
    headers: { ...headers(), 'X-Access-Token': app.body.token },
  });
  if (response.ok) {
    show('verify-result', () => t().verified, true);
    $<HTMLButtonElement>('verify').disabled = true;
    $('step-register').hidden = false;
    return;
  }
  const err = error as UsgError | undefined;
  const answer = answerOf(err, response.status);
  const remaining = err?.remaining_attempts;
  const text = () => (remaining === undefined ? say(answer) : `${say(answer)} ${t().attemptsLeft(remaining)}`);
  const wait = retryAfterSeconds(response);
  if (wait !== undefined) showWithCountdown('verify-result', $<HTMLButtonElement>('verify'), text, response, wait, (s, n) => s.tryAgainIn(n));
  else show('verify-result', text, false, response);
});

// 4. Register: the partner's backend registers the customer (registerCustomer) once the contact is verified.
$('register').addEventListener('click', async () => {
  const res = await backend<{ customerId?: string; status?: string; error?: string; message?: string }>('/backend/register', {
    name: value('name'),
    email: value('email') || undefined,
    mobile: mobileDashed(),
  });
  const customerId = res.body.customerId;
  if (res.status === 200 && customerId) {
    show('register-result', () => t().registered(customerId), true);
    $<HTMLButtonElement>('register').disabled = true;
  } else {
    show('register-result', () => (res.body.error === 'IdentityConflict' ? t().conflict : t().failed(res.status)), false);
  }
});

applyLanguage();
document.body.dataset.ready = 'true';
