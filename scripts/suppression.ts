// npm run suppression -- list | remove <contact> [--stage STAGE] [--country REGION]
// The operator's tool for suppressed destinations (shared/store/suppressions.ts): a hard bounce, a complaint
// or an opt-out stops every send to a destination for a while (SPEC §4, USG.201040004); `remove` lifts one
// (the user fixed their mailbox, opted in again, or the number changed hands), with an audit record. The
// table holds keyed hashes only, so `list` shows masked destinations and `remove` takes the contact itself,
// hashed with the stage's identity pepper. Stage `local` (the default): DynamoDB Local and the local pepper;
// any other stage: the operator's AWS credentials, the stage's table, the pepper from SSM Parameter Store.
import { randomUUID } from 'node:crypto';
import { RequestAudit } from '../shared/audit/request-audit.js';
import { ConfigError, loadOperatorSecret } from '../shared/config.js';
import { identifyUser, maskIdentity } from '../shared/domain/destination.js';
import { SUPPRESSION_CODES } from '../shared/errors.js';
import { subjectHash } from '../shared/identity/hash.js';
import { SecretsUnavailableError } from '../shared/secrets/parameter-store.js';
import { createAuditLog } from '../shared/store/audit.js';
import { createDb } from '../shared/store/client.js';
import { createSuppressions } from '../shared/store/suppressions.js';

const USAGE = `usage: npm run suppression -- <command> [--stage STAGE]
  list                                   the suppressed destinations, masked, newest first (one JSON line each)
  remove <contact> [--country REGION]    lift the suppression of a phone number (E.164, or national in REGION,
                                         default chinaPR) or an email address
Stage: --stage, else STAGE, else local. Table: TABLE_NAME, else verigate-<stage>.`;

const DB_TIMEOUTS = { requestTimeoutMs: 3000, connectTimeoutMs: 1000 };

class UsageError extends Error {}

interface Args {
  command: 'list' | 'remove';
  contact: string | undefined;
  stage: string | undefined;
  country: string | undefined;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  let stage: string | undefined;
  let country: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--stage') stage = argv[++i];
    else if (arg === '--country') country = argv[++i];
    else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  const [command, contact, ...rest] = positional;
  if (command !== 'list' && command !== 'remove') throw new UsageError(command ? `unknown command ${command}` : 'no command');
  if (rest.length > 0 || (command === 'list' && contact !== undefined)) throw new UsageError('too many arguments');
  if (command === 'remove' && contact === undefined) throw new UsageError('remove needs the contact');
  if (stage !== undefined && !/^[A-Za-z0-9-]{1,32}$/.test(stage)) throw new UsageError('--stage needs a stage name');
  if (country !== undefined && command !== 'remove') throw new UsageError('--country goes with remove');
  return { command, contact, stage, country };
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  const env = { ...process.env, STAGE: args.stage ?? process.env.STAGE ?? 'local' };
  const { settings, secret: identityPepper } = await loadOperatorSecret(env, 'identityPepper');
  const db = createDb({
    region: settings.region,
    // Locally DynamoDB Local (as `npm start` runs it); elsewhere AWS with the operator's own credentials.
    endpoint: settings.isLocal ? (settings.dynamodbEndpoint ?? `http://127.0.0.1:${process.env.DYNAMODB_PORT || 8000}`) : undefined,
    ...DB_TIMEOUTS,
  });
  const audit = createAuditLog(db, settings.tableName, settings.auditRetentionDays);
  const suppressions = createSuppressions(db, settings.tableName, audit);
  const where = `${settings.tableName} (stage ${settings.stage})`;
  try {
    if (args.command === 'list') {
      for (const s of await suppressions.list(Date.now()))
        console.log(
          JSON.stringify({ destination: s.subjectMasked, reason: s.reason, since: s.since.toISOString(), until: s.until.toISOString() }),
        );
      return;
    }
    const contact = identifyUser(args.contact!, args.country ?? 'chinaPR', false);
    if (!contact) throw new UsageError('the contact is neither a phone number nor an email address');
    const hash = subjectHash(identityPepper, contact.kind, contact.value);
    const masked = maskIdentity(contact);
    const record = new RequestAudit({ requestId: randomUUID(), operation: 'liftSuppression', caller: 'operator', at: new Date() });
    record.setSubject(hash, masked);
    const lifted = await suppressions.lift(hash, record.pending('SUP.0000', SUPPRESSION_CODES['SUP.0000'].status).record);
    if (!lifted) {
      console.error(`${masked} is not suppressed in ${where}`);
      process.exitCode = 1;
      return;
    }
    console.error(`lifted the suppression of ${masked} in ${where}: codes may be sent to it again`);
  } finally {
    db.raw.destroy();
  }
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`suppression: ${error.message}\n${USAGE}`);
    process.exit(2);
  }
  if (error instanceof ConfigError || error instanceof SecretsUnavailableError) {
    console.error(`suppression: ${error.message}`);
    process.exit(1);
  }
  throw error;
}
