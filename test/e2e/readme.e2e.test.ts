// The README's commands against the e2e stack, as a reader would type them: every command of its bash
// blocks runs, in order, in one shell at the repository's root, and answers what the `# →` line under it
// shows (`…` stands for what differs from run to run; `,…}` ends an object that may hold more keys). A
// command the README shows no answer for must print nothing. So the README cannot drift from the service.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../../dev/paths.js';
import { OFFLINE_STAGE } from '../../dev/offline.js';
import { functionName, HTTP_OPERATIONS } from '../../shared/operations.js';
import { addFreshPartnerKey } from '../support/fresh-partner-key.js';
import { apiUrl, config, lambdaEndpoint } from './helpers.js';

/** Commands the README shows that this test does not run, and why. */
const NOT_RUN: Record<string, string> = {
  'npm ci && npm start': 'starts the stack this test runs against (both go through dev/offline.ts), on fixed ports',
  'npm test': 'runs this very test',
};

/** The README's first command names the stack's addresses; the test points them at the e2e stack. */
const ADDRESSES = /^export API=(\S+) LAMBDA=(\S+) OUTBOX=(\S+)$/;

interface Step {
  /** The README line the command starts on (1-based). */
  line: number;
  command: string;
  /** The answer the README shows under it (its `# → ` lines), if any. */
  answer: string | undefined;
}

/** The commands of the README's bash blocks, with the answer shown under each. */
function stepsOf(markdown: string): Step[] {
  const lines = markdown.split('\n');
  const steps: Step[] = [];
  let inBash = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!inBash) {
      inBash = /^```bash\s*$/.test(line);
      continue;
    }
    if (/^```\s*$/.test(line)) {
      inBash = false;
      continue;
    }
    if (line.trim() === '') continue;
    if (line.startsWith('# →')) throw new Error(`README.md:${i + 1}: an answer with no command above it`);
    if (line.startsWith('#')) continue;
    const start = i;
    let command = line;
    while (command.endsWith('\\') && i + 1 < lines.length) command += `\n${lines[++i]}`;
    const answer: string[] = [];
    while (lines[i + 1]?.startsWith('# → ')) answer.push(lines[++i]!.slice('# → '.length));
    steps.push({ line: start + 1, command, answer: answer.length > 0 ? answer.join('\n') : undefined });
  }
  return steps;
}

/** A command line without its trailing comment (for the commands listed in NOT_RUN, which quote nothing). */
const withoutComment = (command: string): string => command.replace(/\s+#.*$/, '');

const ANY = '…';

/** `expected` with every `…` (and, in an object ending `,…}`, every key it leaves out) taken from `actual`. */
function fill(expected: unknown, actual: unknown, open = false): unknown {
  if (expected === ANY) return actual;
  if (Array.isArray(expected)) return expected.map((e, i) => fill(e, Array.isArray(actual) ? actual[i] : undefined));
  if (expected !== null && typeof expected === 'object') {
    const given = actual !== null && typeof actual === 'object' && !Array.isArray(actual) ? (actual as Record<string, unknown>) : {};
    const out: Record<string, unknown> = open ? { ...given } : {};
    for (const [k, v] of Object.entries(expected)) out[k] = fill(v, given[k]);
    return out;
  }
  return expected;
}

/** The answer as JSON (and whether its object is open, `,…}`), or undefined when it is text. */
function jsonAnswer(answer: string): { json: unknown; open: boolean } | undefined {
  const open = /,\s*…\s*}$/.test(answer);
  try {
    return { json: JSON.parse(open ? answer.replace(/,\s*…\s*}$/, '}') : answer), open };
  } catch {
    return undefined;
  }
}

/** Checks one command's output against the answer the README shows under it. */
function expectAnswer(where: string, answer: string | undefined, output: string): void {
  if (answer === undefined) {
    expect.soft(output, `${where} prints nothing (the README shows no answer)`).toBe('');
    return;
  }
  const expected = jsonAnswer(answer);
  if (expected) {
    let actual: unknown;
    try {
      actual = JSON.parse(output);
    } catch {
      expect.soft(output, `${where} answers JSON`).toBe(answer);
      return;
    }
    expect.soft(actual, where).toStrictEqual(fill(expected.json, actual, expected.open));
    return;
  }
  const pattern = answer
    .split(ANY)
    .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  expect.soft(output, where).toMatch(new RegExp(`^${pattern}$`, 's'));
}

/** The default `npm start` serves on, as serverless.yml gives serverless-offline (`${env:PORT, '3000'}`). */
async function offlineDefault(setting: 'httpPort' | 'lambdaPort'): Promise<string> {
  const yml = await readFile(path.join(repoRoot, 'serverless.yml'), 'utf8');
  const port = new RegExp(`${setting}: \\$\\{env:[A-Z_]+, '(\\d+)'\\}`).exec(yml)?.[1];
  if (!port) throw new Error(`serverless.yml has no default for serverless-offline's ${setting}`);
  return `http://127.0.0.1:${port}`;
}

const quote = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;
const MARK = '@@readme-step';

describe('the README', () => {
  it('answers every command it shows as it shows', async () => {
    const steps = stepsOf(await readFile(path.join(repoRoot, 'README.md'), 'utf8'));
    const run = steps.filter((s) => !(withoutComment(s.command) in NOT_RUN));

    // What is not run is shown, and says why; everything else runs.
    for (const command of Object.keys(NOT_RUN))
      expect(
        steps.map((s) => withoutComment(s.command)),
        'README shows',
      ).toContain(command);
    // One example per operation, each with its answer.
    const answered = run.filter((s) => s.answer !== undefined).map((s) => s.command);
    for (const { route } of HTTP_OPERATIONS)
      expect(
        answered.some((c) => c.includes(route.path)),
        `an example of ${route.path}`,
      ).toBe(true);
    expect(
      answered.some((c) => c.includes(functionName(OFFLINE_STAGE, 'registerCustomer'))),
      'a customer event',
    ).toBe(true);
    expect(
      answered.some((c) => c.startsWith('examples/signed-request.sh')),
      'an AK/SK signed request',
    ).toBe(true);

    // The first command names npm start's addresses (its defaults); here they are the e2e stack's.
    const addresses = ADDRESSES.exec(run[0]?.command ?? '');
    expect(addresses, `README.md:${run[0]?.line}: the first command exports API, LAMBDA and OUTBOX`).not.toBeNull();
    const [, api, lambda, outbox] = addresses!;
    expect(api).toBe(await offlineDefault('httpPort'));
    expect(lambda).toBe(await offlineDefault('lambdaPort'));
    expect(config.notifier.kind === 'outbox' ? config.notifier.path : undefined).toBe(outbox);
    const commands = [
      `export API=${quote(apiUrl())} LAMBDA=${quote(lambdaEndpoint())} OUTBOX=${quote(inject('outboxPath'))}`,
      ...run.slice(1).map((s) => s.command),
    ];

    // The suite's AK lockout test locks npm start's own pair for this source (a lock is per AK and
    // source), so the signed example gets a pair of its own, through the variables the README names.
    const key = await addFreshPartnerKey('E2EREADME');

    const script = commands.map((c, i) => `${c}\nprintf '\\n${MARK} %s %s\\n' ${i} "$?"`).join('\n');
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile(
        'bash',
        ['-c', script],
        {
          cwd: repoRoot,
          env: { ...process.env, LOCAL_PARTNER_AK: key.accessKey, LOCAL_PARTNER_SK: key.secretKey },
          timeout: 150_000,
          maxBuffer: 16 * 1024 * 1024,
        },
        // A command that fails or hangs is reported below, step by step, from what it printed.
        (_error, out, err) => resolve({ stdout: String(out), stderr: String(err) }),
      );
    });

    const outputs = new Map<number, { output: string; status: number }>();
    let from = 0;
    for (const m of stdout.matchAll(new RegExp(`\\n${MARK} (\\d+) (\\d+)\\n`, 'g'))) {
      outputs.set(Number(m[1]), { output: stdout.slice(from, m.index).trim(), status: Number(m[2]) });
      from = m.index + m[0].length;
    }
    run.forEach((step, i) => {
      const where = `README.md:${step.line} \`${step.command.split('\n')[0]}\``;
      const result = outputs.get(i);
      expect.soft(result, `${where} ran to its end (stderr: ${stderr.slice(-2000)})`).toBeDefined();
      if (!result) return;
      expect.soft(result.status, `${where} exit status (stderr: ${stderr.slice(-2000)})`).toBe(0);
      // The first command is replaced by the e2e stack's addresses, and shows no answer.
      expectAnswer(where, step.answer, result.output);
    });
  }, 240_000);
});
