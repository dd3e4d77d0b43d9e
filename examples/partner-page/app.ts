// The reference partner page: the onboarding flow a partner's site builds on verigate. Send and verify
// go from the browser straight to the API with the typed client (a cross-origin call, CORS as deployed);
// everything needing a partner secret goes through the partner's own backend (/backend/*, server.ts).
import { createVerigateClient, requestIdOf, retryAfterSeconds, type Language, type UsgError } from '../../client/index.js';

const UI = {
  'en-US': {
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
    available: 'available',
    taken: 'already in use',
    slots: (n: number) => `${n} more account(s) can use this number`,
    sentTo: (to: string, s: number) => `We sent a code to ${to}. It is valid for ${Math.round(s / 60)} minutes.`,
    resendIn: (s: number) => `You can ask for a new code in ${s} s.`,
    tryAgainIn: (s: number) => `Try again in ${s} s.`,
    attemptsLeft: (n: number) => `${n} attempt(s) left.`,
    verified: 'Verified. You can create your account now.',
    registered: (id: string) => `Account created (${id}).`,
    fillIn: 'Enter an account name and an email or a mobile number.',
    requestId: 'request id',
  },
  'zh-CN': {
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
    available: '可用',
    taken: '已被使用',
    slots: (n: number) => `该号码还可注册 ${n} 个账号`,
    sentTo: (to: string, s: number) => `验证码已发送至 ${to}，${Math.round(s / 60)} 分钟内有效。`,
    resendIn: (s: number) => `${s} 秒后可重新获取验证码。`,
    tryAgainIn: (s: number) => `请 ${s} 秒后重试。`,
    attemptsLeft: (n: number) => `还可尝试 ${n} 次。`,
    verified: '验证成功，现在可以创建账号。',
    registered: (id: string) => `账号已创建（${id}）。`,
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

function applyLanguage(): void {
  document.documentElement.lang = language;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t()[el.dataset.i18n as StaticKey];
}

function show(id: string, message: string, ok: boolean, response?: Response): void {
  const el = $(id);
  el.className = `result ${ok ? 'ok' : 'bad'}`;
  const rid = response && !ok ? requestIdOf(response) : undefined;
  el.textContent = rid ? `${message} (${t().requestId} ${rid})` : message;
}

async function backend<T>(path: string, body: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-language': language },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** Counts down `seconds` in `id`, keeping `button` disabled until it reaches zero. */
let countdown: ReturnType<typeof setInterval> | undefined;
function countDown(id: string, button: HTMLButtonElement, seconds: number, say: (s: number) => string, prefix: string): void {
  clearInterval(countdown);
  let left = seconds;
  button.disabled = true;
  const tick = (): void => {
    if (left <= 0) {
      clearInterval(countdown);
      button.disabled = false;
      $(id).textContent = prefix;
      return;
    }
    $(id).textContent = `${prefix} ${say(left)}`.trim();
    left -= 1;
  };
  tick();
  countdown = setInterval(tick, 1000);
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

// 1. Check: through the partner backend, which signs the call with the partner's AK/SK.
$('check').addEventListener('click', async () => {
  const list = $('check-result');
  list.replaceChildren();
  const checks = (
    [
      ['name', value('name')],
      ['email', value('email')],
      ['mobile', mobileDashed()],
    ] as const
  ).filter((c): c is readonly ['name' | 'email' | 'mobile', string] => Boolean(c[1]));
  if (!value('name') || checks.length < 2) {
    list.append(Object.assign(document.createElement('li'), { className: 'bad', textContent: t().fillIn }));
    return;
  }
  let allAvailable = true;
  for (const [type, search] of checks) {
    const res = await backend<{ check_result?: string; mobile_remain_available_num?: number; error_msg?: string }>('/backend/check-identity', {
      search_type: type,
      search_value: search,
    });
    const item = document.createElement('li');
    item.dataset.check = type;
    const label = t()[type];
    if (res.status === 200 && res.body.check_result) {
      const available = res.body.check_result === 'available';
      allAvailable &&= available;
      const slots = res.body.mobile_remain_available_num;
      item.className = available ? 'ok' : 'bad';
      item.textContent = `${label}: ${available ? t().available : t().taken}${slots === undefined ? '' : ` — ${t().slots(slots)}`}`;
    } else {
      allAvailable = false;
      item.className = 'bad';
      item.textContent = `${label}: ${res.body.error_msg ?? res.status}`;
    }
    list.append(item);
  }
  $('step-send').hidden = !allAvailable;
});

// 2. Send: the browser calls the API itself, with a CAPTCHA pass issued for this very user.
$('send').addEventListener('click', async () => {
  const method = document.querySelector<HTMLInputElement>('input[name=method]:checked')?.value === 'email' ? 'email' : 'sms';
  const user = method === 'email' ? value('email') : mobileE164();
  if (!user) return show('send-result', t().fillIn, false);
  const captcha = await backend<{ token: string }>('/backend/captcha', { user });
  const { data, error, response } = await api.POST('/v1/usg/acs/verifycode/send', {
    body: { user, sendMethod: method, token: captcha.body.token },
    headers: headers(),
  });
  const button = $<HTMLButtonElement>('send');
  if (data) {
    contact = user;
    show('send-result', t().sentTo(data.bindPhone ?? data.bindEmail ?? '', data.expire), true);
    button.textContent = t().resend;
    $('step-verify').hidden = false;
    return;
  }
  const err = error as UsgError | undefined;
  const wait = retryAfterSeconds(response);
  show('send-result', err?.error_msg ?? String(response.status), false, response);
  // The resend countdown comes from the service's own Retry-After.
  if (wait !== undefined) countDown('send-result', button, wait, t().resendIn, $('send-result').textContent ?? '');
});

// 3. Verify: the app's access token (from the partner's backend) and the code the person typed.
$('verify').addEventListener('click', async () => {
  if (!contact) return;
  const app = await backend<{ token: string }>('/backend/app-token', {});
  const { error, response } = await api.POST('/v1/usg/dcs/member/verification-code/verify', {
    body: { contact, verificationCode: value('code') },
    headers: { ...headers(), 'X-Access-Token': app.body.token },
  });
  if (response.ok) {
    show('verify-result', t().verified, true);
    $<HTMLButtonElement>('verify').disabled = true;
    $('step-register').hidden = false;
    return;
  }
  const err = error as UsgError | undefined;
  let message = err?.error_msg ?? String(response.status);
  if (err?.remaining_attempts !== undefined) message += ` ${t().attemptsLeft(err.remaining_attempts)}`;
  show('verify-result', message, false, response);
  const wait = retryAfterSeconds(response);
  if (wait !== undefined) countDown('verify-result', $<HTMLButtonElement>('verify'), wait, t().tryAgainIn, $('verify-result').textContent ?? '');
});

// 4. Register: the partner's backend registers the customer (registerCustomer) once the contact is verified.
$('register').addEventListener('click', async () => {
  const res = await backend<{ customerId?: string; status?: string; error?: string; message?: string }>('/backend/register', {
    name: value('name'),
    email: value('email') || undefined,
    mobile: mobileDashed(),
  });
  if (res.status === 200 && res.body.customerId) {
    show('register-result', t().registered(res.body.customerId), true);
    $<HTMLButtonElement>('register').disabled = true;
  } else {
    show('register-result', `${res.body.error ?? res.status}: ${res.body.message ?? ''}`, false);
  }
});

applyLanguage();
document.body.dataset.ready = 'true';
