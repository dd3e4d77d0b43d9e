// npm run preview -- [--channel sms|voice|email] [--language TAG] [--code DIGITS] [--stage STAGE]
// Prints what a user would receive, rendered from the configuration deliverCode reads (MESSAGE_BRAND,
// MESSAGE_TEMPLATES, WEBOTP_DOMAIN, SMS_MAX_PARTS, CODE_TTL_SECONDS) and checked by the same rules: an
// SMS with its encoding and part count, the voice message's SSML, the email's subject, text and HTML.
// With --stage, the stage's templates file (infra/messages/<stage>.json) stands in for an unset
// MESSAGE_TEMPLATES, as serverless.yml passes it to that stage's deliverCode.
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { ConfigError, loadMessageSettings } from '../shared/config.js';
import { compileMessages, type MessageCatalog, type RenderedMessage } from '../shared/messages/catalog.js';
import { SMS_LIMITS } from '../shared/messages/segments.js';
import type { MessageChannel } from '../shared/messages/templates.js';
import { CODE_DIGITS } from '../shared/policy.js';

const USAGE = `usage: npm run preview -- [--channel sms|voice|email] [--language TAG] [--code DIGITS] [--stage STAGE]
  Every channel and language unless one is named. The code defaults to 042917.`;
const CHANNELS: readonly MessageChannel[] = ['sms', 'voice', 'email'];

class UsageError extends Error {}

const { stageTemplates } = createRequire(import.meta.url)('../infra/message-templates.cjs') as {
  stageTemplates: (stage: string) => string;
};

function describe(r: RenderedMessage, language: string, catalog: MessageCatalog): string {
  switch (r.channel) {
    case 'sms': {
      const limits = SMS_LIMITS[r.encoding];
      const unit = r.encoding === 'GSM-7' ? 'septets' : 'UTF-16 units';
      const size =
        r.parts === 1
          ? `${r.units} of ${limits.single} ${unit}, 1 part`
          : `${r.units} ${unit}, ${r.parts} parts of at most ${limits.concatenated}`;
      return [`sms · ${language} · ${r.encoding}, ${size} (SMS_MAX_PARTS ${catalog.smsMaxParts})`, r.text].join('\n');
    }
    case 'voice':
      return [`voice · ${language} · SendVoiceMessage ${r.textType}, voice ${r.voiceId}`, r.text].join('\n');
    case 'email':
      return [`email · ${language}`, `Subject: ${r.subject}`, '--- text ---', r.text, '--- html ---', r.html].join('\n');
  }
}

function main(argv: string[]): string {
  const { values } = parseArgs({
    args: argv,
    options: { channel: { type: 'string' }, language: { type: 'string' }, code: { type: 'string' }, stage: { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  const channels = values.channel === undefined ? CHANNELS : CHANNELS.filter((c) => c === values.channel);
  if (channels.length === 0) throw new UsageError(`--channel must be one of ${CHANNELS.join(', ')}`);
  const code = values.code ?? '042917';
  if (!new RegExp(`^\\d{${CODE_DIGITS}}$`).test(code)) throw new UsageError(`--code must be ${CODE_DIGITS} digits`);

  const env: Record<string, string | undefined> = { STAGE: 'local', ...process.env };
  if (values.stage !== undefined) {
    env.STAGE = values.stage;
    if (!env.MESSAGE_TEMPLATES) env.MESSAGE_TEMPLATES = stageTemplates(values.stage);
  }
  const settings = loadMessageSettings(env);
  const catalog = compileMessages(settings);
  const languages = values.language === undefined ? catalog.languages : [values.language];
  for (const language of languages)
    if (!catalog.languages.includes(language)) throw new UsageError(`--language must be one of ${catalog.languages.join(', ')}`);

  const sample = { code, expireSeconds: settings.codeTtlSeconds };
  const blocks: string[] = [];
  for (const channel of channels)
    for (const language of languages) blocks.push(describe(catalog.render(channel, language, sample), language, catalog));
  return blocks.join('\n\n');
}

try {
  process.stdout.write(`${main(process.argv.slice(2))}\n`);
} catch (err) {
  // A configuration problem is the operator's to fix, named line by line; no stack.
  const usage = err instanceof UsageError || (err instanceof Error && err.name === 'TypeError' && 'code' in err);
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${usage ? `${USAGE}\n` : ''}`);
  process.exit(err instanceof ConfigError ? 1 : 2);
}
