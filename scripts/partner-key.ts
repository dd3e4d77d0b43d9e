// npm run partner-key -- add <AK> [--partner NAME] [--sk-stdin] | rotate <AK> [--sk-stdin] | revoke <AK> | show <AK>
//                        [--stage STAGE]
// The operator's tool for partner AK/SK pairs (shared/store/partner-keys.ts): writes the table directly,
// so keys change without a redeploy. Stage `local` (the default): DynamoDB Local and the local
// key-encryption secret. Any other stage: the operator's AWS credentials, the stage's table, and the
// key-encryption secret read from SSM Parameter Store. A new secret key is printed once, alone on stdout.
import { randomInt } from 'node:crypto';
import { ConfigError, loadOperatorSecret, MIN_SECRET_LENGTH } from '../shared/config.js';
import { LOCAL_PARTNER_DEFAULTS, LOCAL_SECRETS } from '../shared/local-defaults.js';
import { PARTNER_KEY_CACHE_MS, SECOND_MS } from '../shared/policy.js';
import { SecretsUnavailableError } from '../shared/secrets/parameter-store.js';
import { createDb } from '../shared/store/client.js';
import { createPartnerKeys, PartnerKeyStateError } from '../shared/store/partner-keys.js';

const USAGE = `usage: npm run partner-key -- <command> <AK> [--stage STAGE]
  add <AK> [--partner NAME] [--sk-stdin]   store a new access key; prints its secret key once
  rotate <AK> [--sk-stdin]                 give an access key a new secret key (the old one stops working); prints it once
  revoke <AK>                              revoke an access key for good (its secret key is erased)
  show <AK>                                status and dates of an access key (never its secret key)
--sk-stdin reads the secret key from stdin instead of generating one (to import an existing pair).
Stage: --stage, else STAGE, else local. Table: TABLE_NAME, else verigate-<stage>.`;

const COMMANDS = ['add', 'rotate', 'revoke', 'show'] as const;
type Command = (typeof COMMANDS)[number];
// Huawei Cloud access keys are 20 upper-case letters and digits; any letters and digits are accepted.
const ACCESS_KEY = /^[A-Za-z0-9]{8,128}$/;
const SK_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SK_LENGTH = 40;
const DB_TIMEOUTS = { requestTimeoutMs: 3000, connectTimeoutMs: 1000 };
const CACHE_SECONDS = PARTNER_KEY_CACHE_MS / SECOND_MS;

class UsageError extends Error {}

interface Args {
  command: Command;
  accessKey: string;
  stage: string | undefined;
  partnerName: string | undefined;
  skFromStdin: boolean;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  let stage: string | undefined;
  let partnerName: string | undefined;
  let skFromStdin = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--stage') stage = argv[++i];
    else if (arg === '--partner') partnerName = argv[++i];
    else if (arg === '--sk-stdin') skFromStdin = true;
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  const [command, accessKey, ...rest] = positional;
  if (!COMMANDS.includes(command as Command)) throw new UsageError(command ? `unknown command ${command}` : 'no command');
  if (accessKey === undefined || rest.length > 0) throw new UsageError('give exactly one access key');
  if (!ACCESS_KEY.test(accessKey)) throw new UsageError('an access key is 8 to 128 letters and digits');
  if (stage !== undefined && !/^[A-Za-z0-9-]{1,32}$/.test(stage)) throw new UsageError('--stage needs a stage name');
  if (partnerName !== undefined && (command !== 'add' || partnerName.trim() === '')) throw new UsageError('--partner NAME goes with add');
  if (skFromStdin && command !== 'add' && command !== 'rotate') throw new UsageError('--sk-stdin goes with add or rotate');
  return { command: command as Command, accessKey, stage, partnerName: partnerName?.trim(), skFromStdin };
}

/** 40 characters from a 62-letter alphabet by a CSPRNG (about 238 bits), like a Huawei Cloud SK. */
function generateSecretKey(): string {
  return Array.from({ length: SK_LENGTH }, () => SK_ALPHABET[randomInt(SK_ALPHABET.length)]).join('');
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').trim();
}

async function secretKeyFor(args: Args, isLocal: boolean): Promise<string> {
  if (!args.skFromStdin) return generateSecretKey();
  const sk = await readStdin();
  if (sk.length < MIN_SECRET_LENGTH || /\s/.test(sk))
    throw new UsageError(`a secret key is at least ${MIN_SECRET_LENGTH} characters, without spaces`);
  const developmentSecrets: string[] = [LOCAL_PARTNER_DEFAULTS.secretKey, ...Object.values(LOCAL_SECRETS)];
  if (!isLocal && developmentSecrets.includes(sk)) throw new UsageError('a local development secret is not a secret key');
  return sk;
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const env = { ...process.env, STAGE: args.stage ?? process.env.STAGE ?? 'local' };
  const { settings, secret: keyEncryptionSecret } = await loadOperatorSecret(env, 'partnerKeyEncryptionKey');
  if (settings.isLocal && args.accessKey === settings.localPartner?.accessKey && args.command !== 'show') {
    throw new UsageError(`${args.accessKey} is the local stage's built-in pair (LOCAL_PARTNER_AK); choose another access key`);
  }
  const db = createDb({
    region: settings.region,
    // Locally DynamoDB Local (as `npm start` runs it); elsewhere AWS with the operator's own credentials.
    endpoint: settings.isLocal ? (settings.dynamodbEndpoint ?? `http://127.0.0.1:${process.env.DYNAMODB_PORT || 8000}`) : undefined,
    ...DB_TIMEOUTS,
  });
  const partnerKeys = createPartnerKeys(db, settings.tableName, keyEncryptionSecret, { cacheMs: 0 });
  const where = `${settings.tableName} (stage ${settings.stage})`;
  const now = new Date();

  switch (args.command) {
    case 'add': {
      const sk = await secretKeyFor(args, settings.isLocal);
      await partnerKeys.add(args.accessKey, sk, now, args.partnerName);
      console.error(`added access key ${args.accessKey}${args.partnerName ? ` for ${args.partnerName}` : ''} to ${where}`);
      // Shown once, alone on stdout, for the operator to hand to the partner; it cannot be read back.
      if (!args.skFromStdin) console.log(sk);
      break;
    }
    case 'rotate': {
      const sk = await secretKeyFor(args, settings.isLocal);
      await partnerKeys.rotate(args.accessKey, sk, now);
      console.error(`rotated the secret key of ${args.accessKey} in ${where}; functions refuse the old one within ${CACHE_SECONDS} s`);
      if (!args.skFromStdin) console.log(sk);
      break;
    }
    case 'revoke':
      await partnerKeys.revoke(args.accessKey, now);
      console.error(`revoked access key ${args.accessKey} in ${where}; functions refuse it within ${CACHE_SECONDS} s`);
      break;
    case 'show': {
      const record = await partnerKeys.describe(args.accessKey);
      if (!record) throw new PartnerKeyStateError(`access key ${args.accessKey} is unknown in ${where}`);
      console.log(JSON.stringify(record));
      break;
    }
  }
  db.raw.destroy();
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`partner-key: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof PartnerKeyStateError || error instanceof ConfigError || error instanceof SecretsUnavailableError) {
    console.error(`partner-key: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
