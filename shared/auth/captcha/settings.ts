import { RECAPTCHA_MIN_SCORE_BOUNDS } from '../../policy.js';

/**
 * The CAPTCHA providers a stage can choose (CAPTCHA_PROVIDER) and the settings each one takes. Only data
 * and checks here: config.ts reads it at every cold start, the adapters (index.ts) only in send.
 */
export const CAPTCHA_PROVIDER_NAMES = ['signed-pass', 'turnstile', 'hcaptcha', 'recaptcha', 'geetest'] as const;
export type CaptchaProviderName = (typeof CAPTCHA_PROVIDER_NAMES)[number];
/** The providers verified by their own service over HTTP. */
export type RemoteCaptchaProviderName = Exclude<CaptchaProviderName, 'signed-pass'>;

/** A remote provider's settings (everything but its secret, `captcha-secret` in SSM). */
export interface CaptchaProviderSettings {
  provider: RemoteCaptchaProviderName;
  /** CAPTCHA_VERIFY_URL: replaces the provider's documented endpoint (a regional one, a test's stand-in). */
  verifyUrl: string | undefined;
  /** CAPTCHA_HOSTNAMES: the pages' hostnames a pass must have been solved on (lower case). */
  hostnames: readonly string[];
  /** CAPTCHA_ACTION: the widget's action a pass must carry (Turnstile: if set; reCAPTCHA v3: always). */
  action: string | undefined;
  /** RECAPTCHA_MIN_SCORE: set for a reCAPTCHA v3 key, unset for a v2 key. */
  recaptchaMinScore: number | undefined;
  /** HCAPTCHA_SITEKEY: the sitekey hCaptcha is asked to hold a pass to. */
  hcaptchaSitekey: string | undefined;
  /** GEETEST_CAPTCHA_ID: the GeeTest v4 captcha id (its `captcha_key` is the secret). */
  geetestCaptchaId: string | undefined;
}

/** The environment variables of the CAPTCHA settings, as config.ts's schema reads them. */
export interface CaptchaEnv {
  CAPTCHA_PROVIDER?: CaptchaProviderName | undefined;
  CAPTCHA_VERIFY_URL?: string | undefined;
  CAPTCHA_HOSTNAMES?: string | undefined;
  CAPTCHA_ACTION?: string | undefined;
  RECAPTCHA_MIN_SCORE?: string | undefined;
  HCAPTCHA_SITEKEY?: string | undefined;
  GEETEST_CAPTCHA_ID?: string | undefined;
}
type Setting = Exclude<keyof CaptchaEnv, 'CAPTCHA_PROVIDER'>;
const SETTINGS: readonly Setting[] = [
  'CAPTCHA_VERIFY_URL',
  'CAPTCHA_HOSTNAMES',
  'CAPTCHA_ACTION',
  'RECAPTCHA_MIN_SCORE',
  'HCAPTCHA_SITEKEY',
  'GEETEST_CAPTCHA_ID',
];

interface ProviderRules {
  required: readonly Setting[];
  accepted: readonly Setting[];
  /** The characters and length the provider allows in a widget's action. */
  action?: RegExp;
}

// Turnstile: action at most 32 alphanumerics, `-` or `_` (widget configurations, "Custom data").
// reCAPTCHA v3: actions "may only contain alphanumeric characters, slashes, and underscores".
const RULES: Record<CaptchaProviderName, ProviderRules> = {
  'signed-pass': { required: [], accepted: [] },
  turnstile: {
    required: ['CAPTCHA_HOSTNAMES'],
    accepted: ['CAPTCHA_VERIFY_URL', 'CAPTCHA_HOSTNAMES', 'CAPTCHA_ACTION'],
    action: /^[A-Za-z0-9_-]{1,32}$/,
  },
  hcaptcha: {
    required: ['CAPTCHA_HOSTNAMES', 'HCAPTCHA_SITEKEY'],
    accepted: ['CAPTCHA_VERIFY_URL', 'CAPTCHA_HOSTNAMES', 'HCAPTCHA_SITEKEY'],
  },
  recaptcha: {
    required: ['CAPTCHA_HOSTNAMES'],
    accepted: ['CAPTCHA_VERIFY_URL', 'CAPTCHA_HOSTNAMES', 'CAPTCHA_ACTION', 'RECAPTCHA_MIN_SCORE'],
    action: /^[A-Za-z0-9_/]{1,100}$/,
  },
  geetest: { required: ['GEETEST_CAPTCHA_ID'], accepted: ['CAPTCHA_VERIFY_URL', 'GEETEST_CAPTCHA_ID'] },
};

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
// hCaptcha sitekeys are UUIDs; a GeeTest captcha id is 32 hexadecimal characters.
const HCAPTCHA_SITEKEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const GEETEST_CAPTCHA_ID = /^[0-9a-f]{32}$/i;
const SCORE = /^(?:0(?:\.\d{1,3})?|1(?:\.0{1,3})?)$/;

/**
 * The stage's CAPTCHA provider and its settings: undefined for the signed pass (the default, verified with
 * the CAPTCHA secret alone). Every problem is added to `problems`, naming its setting: a setting the
 * provider needs and lacks, one of the wrong form, or one that does not apply to the provider (a stage
 * that sets it expects a check that would not happen).
 */
export function readCaptchaSettings(e: CaptchaEnv, problems: string[]): CaptchaProviderSettings | undefined {
  const provider = e.CAPTCHA_PROVIDER ?? 'signed-pass';
  const rules = RULES[provider];
  for (const setting of SETTINGS.filter((s) => e[s] !== undefined && !rules.accepted.includes(s)))
    problems.push(
      provider === 'signed-pass'
        ? `${setting} needs CAPTCHA_PROVIDER (turnstile, hcaptcha, recaptcha or geetest): a signed pass is verified with the CAPTCHA secret alone`
        : `${setting} does not apply to CAPTCHA_PROVIDER=${provider}`,
    );
  for (const setting of rules.required.filter((s) => e[s] === undefined)) problems.push(`CAPTCHA_PROVIDER=${provider} needs ${setting}`);
  if (provider === 'signed-pass') return undefined;

  const hostnames = (e.CAPTCHA_HOSTNAMES ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  if (e.CAPTCHA_HOSTNAMES !== undefined && (hostnames.length === 0 || !hostnames.every((h) => HOSTNAME.test(h))))
    problems.push(
      'CAPTCHA_HOSTNAMES must list the pages’ hostnames separated by commas (example.com,www.example.com: no scheme, port or path)',
    );
  if (e.CAPTCHA_ACTION !== undefined && rules.action && !rules.action.test(e.CAPTCHA_ACTION))
    problems.push(`CAPTCHA_ACTION is not an action ${provider} allows (${rules.action.source})`);

  let recaptchaMinScore: number | undefined;
  if (provider === 'recaptcha' && e.RECAPTCHA_MIN_SCORE !== undefined) {
    const { min, max } = RECAPTCHA_MIN_SCORE_BOUNDS;
    recaptchaMinScore = SCORE.test(e.RECAPTCHA_MIN_SCORE) ? Number(e.RECAPTCHA_MIN_SCORE) : Number.NaN;
    if (!(recaptchaMinScore >= min && recaptchaMinScore <= max))
      problems.push(`RECAPTCHA_MIN_SCORE must be a decimal from ${min} to ${max}`);
    // A v3 pass proves little without the action it was asked for (Google: "verify the action name").
    if (e.CAPTCHA_ACTION === undefined) problems.push('RECAPTCHA_MIN_SCORE (reCAPTCHA v3) needs CAPTCHA_ACTION');
  } else if (provider === 'recaptcha' && e.CAPTCHA_ACTION !== undefined) {
    problems.push('CAPTCHA_ACTION with reCAPTCHA is a v3 setting: it needs RECAPTCHA_MIN_SCORE (a v2 pass has no action)');
  }
  if (e.HCAPTCHA_SITEKEY !== undefined && !HCAPTCHA_SITEKEY.test(e.HCAPTCHA_SITEKEY))
    problems.push('HCAPTCHA_SITEKEY must be an hCaptcha sitekey (a UUID)');
  if (e.GEETEST_CAPTCHA_ID !== undefined && !GEETEST_CAPTCHA_ID.test(e.GEETEST_CAPTCHA_ID))
    problems.push('GEETEST_CAPTCHA_ID must be a GeeTest captcha id (32 hexadecimal characters)');

  return {
    provider,
    verifyUrl: e.CAPTCHA_VERIFY_URL,
    hostnames,
    action: e.CAPTCHA_ACTION,
    recaptchaMinScore,
    hcaptchaSitekey: e.HCAPTCHA_SITEKEY,
    geetestCaptchaId: e.GEETEST_CAPTCHA_ID,
  };
}
