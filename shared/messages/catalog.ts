/**
 * The stage's code messages: the default templates (templates.ts) with the stage's overrides
 * (MESSAGE_TEMPLATES), its brand, WebOTP domain and SMS part limit, checked once when compiled (the cold
 * start of deliverCode, and the preview command) and rendered per message. Every problem is named at
 * once in one ConfigError, so a stage never starts with a message it could not send as meant.
 */
import { matchLanguage } from '../request/language.js';
import { ConfigError, type Settings } from '../config.js';
import { CODE_DIGITS } from '../policy.js';
import { htmlProblems, escapeHtml } from './html.js';
import { smsSegments, type SmsEncoding } from './segments.js';
import {
  BUILT_IN_LIFETIME,
  DEFAULT_TEMPLATES,
  LANGUAGE_FIELDS,
  PLACEHOLDERS,
  REQUIRED_FIELDS,
  TEMPLATE_FIELDS,
  parseTemplate,
  placeholdersOf,
  type MessageChannel,
  type ParsedTemplate,
  type Placeholder,
  type TemplateField,
  type TemplateSet,
} from './templates.js';
import { MAX_SSML_CHARS, VOICE_IDS, VOICE_TEXT_TYPE, escapeSsml, speak, spokenCode } from './voice.js';

/** What varies per message. */
export interface MessageValues {
  code: string;
  expireSeconds: number;
}

export interface RenderedSms {
  channel: 'sms';
  text: string;
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  parts: number;
}
export interface RenderedVoice {
  channel: 'voice';
  /** SendVoiceMessage's MessageBody. */
  text: string;
  textType: typeof VOICE_TEXT_TYPE;
  voiceId: string;
}
export interface RenderedEmail {
  channel: 'email';
  subject: string;
  text: string;
  html: string;
}
export interface RenderedMessages {
  sms: RenderedSms;
  voice: RenderedVoice;
  email: RenderedEmail;
}
export type RenderedMessage = RenderedMessages[MessageChannel];

export interface MessageCatalog {
  /** MESSAGE_BRAND. */
  readonly brand: string;
  /** Every language with a complete set: the built-in ones and those the stage added. */
  readonly languages: readonly string[];
  readonly webOtpDomain: string | undefined;
  readonly smsMaxParts: number;
  /**
   * The message in `language`, or in the first of a list of languages (most wanted first) the catalog has,
   * a language of the same primary tag counting (shared/request/language.ts matchLanguage); en-US when none.
   */
  render<C extends MessageChannel>(channel: C, language: string | readonly string[], values: MessageValues): RenderedMessages[C];
}

/** The configuration a catalog is compiled from. */
export type MessageConfig = Pick<Settings, 'messages' | 'codeTtlSeconds' | 'stage'>;

const FALLBACK_LANGUAGE = 'en-US';
/** The code the longest rendering is measured with: every code has CODE_DIGITS digits, each one septet. */
const SAMPLE_CODE = '0'.repeat(CODE_DIGITS);
const CONTROL = /[\u0000-\u001f\u007f]/;
/** A host name in ASCII (an IDN in its xn-- form), as the WebOTP line names it: no scheme, port or path. */
const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** Mainland carriers take an SMS only with its registered signature in 【】 at the start. */
const SIGNATURE = /^【[^【】\s][^【】]*】/;
const NEEDS_CODE: Readonly<Record<TemplateField, number>> = { sms: 1, voice: 2, emailSubject: 0, emailText: 1, emailHtml: 1 };

interface CompiledSet {
  brand: string;
  voiceId: string;
  lifetime: (seconds: number) => string;
  templates: Record<TemplateField, ParsedTemplate>;
}

/** `language`'s lifetime in words: the built-in wording, else ICU's ("3 Minuten"); undefined when ICU does not know the language. */
function lifetimeWording(language: string): ((seconds: number) => string) | undefined {
  const builtIn = BUILT_IN_LIFETIME[language];
  if (builtIn) return builtIn;
  if (Intl.NumberFormat.supportedLocalesOf([language]).length === 0) return undefined;
  const minutes = new Intl.NumberFormat(language, { style: 'unit', unit: 'minute', unitDisplay: 'long' });
  const seconds = new Intl.NumberFormat(language, { style: 'unit', unit: 'second', unitDisplay: 'long' });
  return (s) => (s % 60 === 0 ? minutes.format(s / 60) : seconds.format(s));
}

/** The canonical form of a BCP 47 tag, or undefined when it is none. */
function canonicalTag(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** A mainland China language (zh-CN, zh-Hans-CN, …): its SMS needs the carrier-registered signature. */
const isMainland = (tag: string) => new Intl.Locale(tag).region === 'CN';

/** The stage's overrides: `{ "<language>": { "<field>": "<text>", … }, … }`. */
function readOverrides(json: string | undefined, problems: string[]): Record<string, Partial<TemplateSet>> {
  if (json === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    problems.push(`MESSAGE_TEMPLATES is not JSON (${err instanceof Error ? err.message : String(err)})`);
    return {};
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    problems.push('MESSAGE_TEMPLATES must be a JSON object of languages: {"en-US": {"sms": "…"}}');
    return {};
  }
  const out: Record<string, Partial<TemplateSet>> = {};
  for (const [language, set] of Object.entries(parsed)) {
    const canonical = canonicalTag(language);
    if (canonical === undefined) {
      problems.push(`MESSAGE_TEMPLATES: "${language}" is not a language tag (such as en-US, zh-CN, ja-JP)`);
      continue;
    }
    if (canonical !== language) {
      problems.push(`MESSAGE_TEMPLATES: write the language "${language}" as ${canonical}`);
      continue;
    }
    if (set === null || typeof set !== 'object' || Array.isArray(set)) {
      problems.push(`MESSAGE_TEMPLATES: ${language} must be an object of templates`);
      continue;
    }
    const fields: Partial<TemplateSet> = {};
    for (const [field, value] of Object.entries(set as Record<string, unknown>)) {
      if (!LANGUAGE_FIELDS.has(field)) problems.push(`MESSAGE_TEMPLATES: ${language} has an unknown field "${field}" (known: ${[...LANGUAGE_FIELDS].join(', ')})`);
      else if (typeof value !== 'string' || value.trim() === '') problems.push(`MESSAGE_TEMPLATES: ${language}.${field} must be a non-empty string`);
      else fields[field as keyof TemplateSet] = value;
    }
    out[language] = fields;
  }
  return out;
}

function brandProblem(brand: string, where: string): string | undefined {
  if (brand.trim() === '') return `${where} is empty`;
  if (CONTROL.test(brand)) return `${where} contains a line break or another control character`;
  return undefined;
}

/** Checks one template's text and placeholders; returns it parsed. */
function checkTemplate(language: string, field: TemplateField, source: string, ttlSeconds: number, problems: string[]): ParsedTemplate {
  const where = `${language}.${field}`;
  const parsed = parseTemplate(source);
  const used = placeholdersOf(parsed);
  for (const name of new Set(used.filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p))))
    problems.push(`${where}: unknown placeholder {${name}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')})`);
  const codes = used.filter((p) => p === 'code').length;
  if (codes < NEEDS_CODE[field])
    problems.push(NEEDS_CODE[field] === 1 ? `${where}: {code} is missing` : `${where}: says {code} ${codes} time(s); a voice message says it ${NEEDS_CODE[field]} times`);
  if (used.includes('minutes') && ttlSeconds % 60 !== 0)
    problems.push(`${where}: {minutes} cannot say a lifetime of ${ttlSeconds} s (CODE_TTL_SECONDS); use {lifetime}`);
  if (field === 'emailSubject' && CONTROL.test(source)) problems.push(`${where}: a subject is one line`);
  if (field === 'emailHtml') for (const p of htmlProblems(source)) problems.push(`${where}: ${p}`);
  return parsed;
}

interface Writing {
  /** How the template's own text is written out (voice: escaped into SSML). */
  literal: (s: string) => string;
  /** How a value is written out (HTML and SSML: escaped). */
  value: (s: string) => string;
  /** How the code is written out, when it differs from a value (voice: spoken digit by digit). */
  code?: (c: string) => string;
}

function fill(t: ParsedTemplate, words: Record<Placeholder, string>, w: Writing): string {
  return t.pieces
    .map((p) => {
      if ('text' in p) return w.literal(p.text);
      if (p.placeholder === 'code' && w.code) return w.code(words.code);
      return w.value(words[p.placeholder as Placeholder]);
    })
    .join('');
}

const asIs = (s: string) => s;
const TEXT: Writing = { literal: asIs, value: asIs };
const HTML: Writing = { literal: asIs, value: escapeHtml };
const SSML: Writing = { literal: escapeSsml, value: escapeSsml, code: spokenCode };

/**
 * Compiles the stage's messages, checking every template of every language; throws ConfigError naming
 * every problem. Rendering afterwards cannot fail.
 */
export function compileMessages(config: MessageConfig): MessageCatalog {
  const { messages: settings, codeTtlSeconds: ttl } = config;
  const problems: string[] = [];
  const brand = settings.brand ?? '';
  if (settings.brand === undefined) problems.push(`MESSAGE_BRAND is required in stage ${config.stage}: the name your users know you by`);
  else {
    const p = brandProblem(brand, 'MESSAGE_BRAND');
    if (p) problems.push(p);
  }
  const domain = settings.webOtpDomain;
  if (domain !== undefined && !HOST.test(domain))
    problems.push(`WEBOTP_DOMAIN must be the page's host name in lower case, such as login.example.com (no scheme, port or path): not "${domain}"`);

  const overrides = readOverrides(settings.templates, problems);
  const sets = new Map<string, CompiledSet>();
  for (const language of new Set([...Object.keys(DEFAULT_TEMPLATES), ...Object.keys(overrides)])) {
    const given: Partial<TemplateSet> = { ...DEFAULT_TEMPLATES[language as keyof typeof DEFAULT_TEMPLATES], ...overrides[language] };
    const missing = REQUIRED_FIELDS.filter((f) => given[f] === undefined);
    if (missing.length > 0) {
      problems.push(`MESSAGE_TEMPLATES: ${language} is incomplete: a language the service does not ship needs ${missing.join(', ')}`);
      continue;
    }
    const set = given as TemplateSet;
    const before = problems.length;
    if (set.brand !== undefined) {
      const p = brandProblem(set.brand, `${language}.brand`);
      if (p) problems.push(p);
    }
    // (Without a brand, already a problem of its own, the signature cannot be read.)
    const signatureBrand = set.brand ?? settings.brand;
    if (isMainland(language) && signatureBrand !== undefined && !SIGNATURE.test(set.sms.replaceAll('{brand}', signatureBrand)))
      problems.push(`${language}.sms: must start with its carrier-registered signature in 【】, such as 【{brand}】`);
    if (!VOICE_IDS.has(set.voiceId)) problems.push(`${language}.voiceId: "${set.voiceId}" is not a SendVoiceMessage voice (such as JOANNA, ZHIYU)`);
    const templates = Object.fromEntries(TEMPLATE_FIELDS.map((f) => [f, checkTemplate(language, f, set[f], ttl, problems)])) as CompiledSet['templates'];
    const lifetime = lifetimeWording(language);
    if (!lifetime) {
      const using = TEMPLATE_FIELDS.filter((f) => placeholdersOf(templates[f]).includes('lifetime'));
      if (using.length > 0) problems.push(`${language}: {lifetime} cannot be worded in this language (${using.join(', ')}); use {minutes}`);
    }
    if (problems.length > before) continue;
    sets.set(language, { brand: set.brand ?? brand, voiceId: set.voiceId, lifetime: lifetime ?? ((s) => String(s)), templates });
  }

  const catalog: MessageCatalog = {
    brand,
    languages: [...sets.keys()],
    webOtpDomain: domain,
    smsMaxParts: settings.smsMaxParts,
    render(channel, language, values) {
      const wanted = typeof language === 'string' ? [language] : language;
      const set = sets.get(matchLanguage(wanted, [...sets.keys()]) ?? FALLBACK_LANGUAGE)!;
      const words: Record<Placeholder, string> = {
        brand: set.brand,
        code: values.code,
        minutes: String(Math.floor(values.expireSeconds / 60)),
        lifetime: set.lifetime(values.expireSeconds),
      };
      const t = set.templates;
      if (channel === 'sms') {
        const text = fill(t.sms, words, TEXT) + (domain ? `\n@${domain} #${values.code}` : '');
        const segments = smsSegments(text);
        const sms: RenderedSms = { channel: 'sms', text, encoding: segments.encoding, units: segments.units, parts: segments.parts.length };
        return sms as RenderedMessages[typeof channel];
      }
      if (channel === 'voice') {
        const voice: RenderedVoice = {
          channel: 'voice',
          text: speak(fill(t.voice, words, SSML)),
          textType: VOICE_TEXT_TYPE,
          voiceId: set.voiceId,
        };
        return voice as RenderedMessages[typeof channel];
      }
      const email: RenderedEmail = {
        channel: 'email',
        subject: fill(t.emailSubject, words, TEXT),
        text: fill(t.emailText, words, TEXT),
        html: fill(t.emailHtml, words, HTML),
      };
      return email as RenderedMessages[typeof channel];
    },
  };

  // What each language's messages come to with a real code and the stage's lifetime and domain.
  for (const language of sets.keys()) {
    const sample = { code: SAMPLE_CODE, expireSeconds: ttl };
    const sms = catalog.render('sms', language, sample);
    if (sms.parts > settings.smsMaxParts) {
      const limit = sms.encoding === 'GSM-7' ? '160 septets, 153 a part beyond' : '70 characters, 67 a part beyond';
      problems.push(
        `${language}.sms: ${sms.parts} parts (${sms.encoding}, ${sms.units} ${sms.encoding === 'GSM-7' ? 'septets' : 'UTF-16 units'}` +
          `${domain ? ' with the WebOTP line' : ''}; one part holds ${limit}), SMS_MAX_PARTS allows ${settings.smsMaxParts}: shorten it or allow more parts`,
      );
    }
    const voice = catalog.render('voice', language, sample);
    if (voice.text.length > MAX_SSML_CHARS) problems.push(`${language}.voice: ${voice.text.length} characters of SSML, over SendVoiceMessage's ${MAX_SSML_CHARS}`);
  }

  if (problems.length > 0) throw new ConfigError(`invalid message configuration:\n- ${problems.join('\n- ')}`);
  return catalog;
}
