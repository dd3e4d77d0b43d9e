/**
 * The templates of a code message, one set per language, and the defaults a stage overrides any part
 * of (MESSAGE_TEMPLATES, docs/messages.md). A template is text with placeholders in braces:
 *
 *   {brand}     the brand (MESSAGE_BRAND, or the language's own `brand`)
 *   {code}      the code
 *   {minutes}   the code's lifetime in minutes (only when CODE_TTL_SECONDS is whole minutes)
 *   {lifetime}  the lifetime in words of the language: "3 minutes", "90 seconds", "3 分钟"
 *
 * The WebOTP line (`@<domain> #<code>`) is not a placeholder: it is appended to every SMS when the
 * stage names its domain, as the last line, where browsers look for it.
 */

/** The channels a code goes by. */
export type MessageChannel = 'sms' | 'voice' | 'email';

/** What a language's set holds: its five templates and the voice that speaks it. */
export interface TemplateSet {
  sms: string;
  /** Plain text, spoken; rendered to SSML (shared/messages/voice.ts). */
  voice: string;
  /** The Amazon Polly voice of SendVoiceMessage that speaks this language. */
  voiceId: string;
  emailSubject: string;
  emailText: string;
  emailHtml: string;
  /** This language's brand when it differs from MESSAGE_BRAND (a registered Chinese signature, say). */
  brand?: string;
}

export const TEMPLATE_FIELDS = ['sms', 'voice', 'emailSubject', 'emailText', 'emailHtml'] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];
/** Every field a language added by configuration must give (brand is optional everywhere). */
export const REQUIRED_FIELDS = [...TEMPLATE_FIELDS, 'voiceId'] as const;
export const LANGUAGE_FIELDS: ReadonlySet<string> = new Set<string>([...REQUIRED_FIELDS, 'brand']);

export const PLACEHOLDERS = ['brand', 'code', 'minutes', 'lifetime'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** A template cut at its placeholders: literal text and placeholder names, alternating from text. */
export interface ParsedTemplate {
  source: string;
  pieces: ({ text: string } | { placeholder: string })[];
}

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** Cuts a template at its placeholders; a brace that does not close around a name is literal text. */
export function parseTemplate(source: string): ParsedTemplate {
  const pieces: ParsedTemplate['pieces'] = [];
  let last = 0;
  for (const match of source.matchAll(PLACEHOLDER)) {
    if (match.index > last) pieces.push({ text: source.slice(last, match.index) });
    pieces.push({ placeholder: match[1]! });
    last = match.index + match[0].length;
  }
  if (last < source.length) pieces.push({ text: source.slice(last) });
  return { source, pieces };
}

export const placeholdersOf = (t: ParsedTemplate): string[] =>
  t.pieces.flatMap((p) => ('placeholder' in p ? [p.placeholder] : []));

/** The code's lifetime in words, for the two built-in languages; others are worded by ICU (lifetime.ts). */
export const BUILT_IN_LIFETIME: Record<string, (seconds: number) => string> = {
  'zh-CN': (s) => (s % 60 === 0 ? `${s / 60} 分钟` : `${s} 秒`),
  'en-US': (s) => (s % 60 === 0 ? `${s / 60} minute${s === 60 ? '' : 's'}` : `${s} seconds`),
};

const MONO = "font-family:'SFMono-Regular',Consolas,'Liberation Mono',Menlo,monospace";
const codeBlock =
  `<p style="margin:0 0 20px;"><span style="display:inline-block;padding:12px 20px;${MONO};font-size:32px;font-weight:bold;` +
  'letter-spacing:6px;color:#1d2330;background-color:#f0f2f5;border:1px solid #d8dce6;border-radius:6px;' +
  '-webkit-user-select:all;user-select:all;">{code}</span></p>';

/** One HTML layout for both languages: tables and inline styles, as mail clients render them. */
function htmlLayout(o: { lang: string; title: string; fonts: string; intro: string; lifetime: string; ignore: string }): string {
  return [
    '<!DOCTYPE html>',
    `<html lang="${o.lang}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${o.title}</title>`,
    '</head>',
    '<body style="margin:0;padding:0;background-color:#f4f5f7;">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background-color:#f4f5f7;">',
    '<tr><td align="center" style="padding:32px 16px;">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:480px;background-color:#ffffff;border:1px solid #d8dce6;border-radius:8px;">',
    `<tr><td style="padding:28px 32px;font-family:${o.fonts};font-size:15px;line-height:1.5;color:#1d2330;">`,
    '<p style="margin:0 0 20px;font-size:18px;font-weight:bold;">{brand}</p>',
    `<p style="margin:0 0 12px;">${o.intro}</p>`,
    codeBlock,
    `<p style="margin:0 0 16px;">${o.lifetime}</p>`,
    `<p style="margin:0;font-size:13px;color:#5b6275;">${o.ignore}</p>`,
    '</td></tr>',
    '</table>',
    '</td></tr>',
    '</table>',
    '</body>',
    '</html>',
  ].join('\n');
}

/**
 * The defaults: they name the brand the stage set, say what the code is for and how long it lives, and
 * warn against sharing it. The zh-CN SMS starts with its 【signature】, as mainland carriers require.
 */
export const DEFAULT_TEMPLATES: Readonly<Record<'zh-CN' | 'en-US', TemplateSet>> = {
  'zh-CN': {
    sms: '【{brand}】您的验证码是 {code}，{lifetime}内有效。请勿告知他人。',
    voice: '您好，这里是{brand}。您的验证码是 {code}。再说一遍，您的验证码是 {code}。{lifetime}内有效，请勿告知他人。',
    voiceId: 'ZHIYU',
    emailSubject: '【{brand}】验证码',
    emailText: [
      '【{brand}】',
      '',
      '您的验证码是：{code}',
      '',
      '{lifetime}内有效。请勿将验证码告知他人，{brand} 不会向您索要验证码。',
      '',
      '如果您没有申请验证码，请忽略本邮件：可能有人误填了您的邮箱地址，没有验证码，任何操作都无法完成。',
    ].join('\n'),
    emailHtml: htmlLayout({
      lang: 'zh-CN',
      title: '【{brand}】验证码',
      fonts: "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC',Arial,sans-serif",
      intro: '您的验证码是：',
      lifetime: '{lifetime}内有效。请勿将验证码告知他人，{brand} 不会向您索要验证码。',
      ignore: '如果您没有申请验证码，请忽略本邮件：可能有人误填了您的邮箱地址，没有验证码，任何操作都无法完成。',
    }),
  },
  'en-US': {
    sms: '[{brand}] Your verification code is {code}. It expires in {lifetime}. Do not share it with anyone.',
    voice: 'Hello, this is {brand}. Your verification code is {code}. Once again, your code is {code}. It expires in {lifetime}. Do not share it with anyone.',
    voiceId: 'JOANNA',
    emailSubject: '[{brand}] Your verification code',
    emailText: [
      '{brand}',
      '',
      'Your verification code is: {code}',
      '',
      'It expires in {lifetime}. Do not share it with anyone: {brand} will never ask you for it.',
      '',
      'If you did not ask for this code, ignore this email: someone may have typed your address by mistake, and nothing can be done without the code.',
    ].join('\n'),
    emailHtml: htmlLayout({
      lang: 'en-US',
      title: '[{brand}] Your verification code',
      fonts: 'Arial,Helvetica,sans-serif',
      intro: 'Your verification code is:',
      lifetime: 'It expires in {lifetime}. Do not share it with anyone: {brand} will never ask you for it.',
      ignore: 'If you did not ask for this code, ignore this email: someone may have typed your address by mistake, and nothing can be done without the code.',
    }),
  },
};
