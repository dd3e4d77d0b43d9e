// npm run --silent token -- partner [--role ROLE] | app | captcha <user>
// Prints one token, alone on its line, valid for the local stage (or the stage in STAGE).
import { loadConfig } from '../shared/config.js';
import { mintAppToken, mintCaptchaToken, mintPartnerToken } from './tokens.js';

const usage = 'usage: npm run --silent token -- partner [--role ROLE] | app | captcha <user>';

async function main(args: string[]): Promise<string> {
  const config = loadConfig({ STAGE: 'local', ...process.env });
  const [kind, ...rest] = args;
  switch (kind) {
    case 'partner': {
      const i = rest.indexOf('--role');
      const role = i >= 0 ? rest[i + 1] : 'solution_provider';
      if (!role) throw new Error('--role needs a value');
      return mintPartnerToken(config, role);
    }
    case 'app':
      return mintAppToken(config);
    case 'captcha': {
      const user = rest[0];
      if (!user) throw new Error('captcha needs the user it is issued for');
      return mintCaptchaToken(config, user);
    }
    default:
      throw new Error(usage);
  }
}

main(process.argv.slice(2)).then(
  (token) => process.stdout.write(`${token}\n`),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
