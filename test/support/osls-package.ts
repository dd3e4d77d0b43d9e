// Builds the AWS deployment of a stage exactly as `npx osls package` does (same binary, same service
// files), offline, with an environment the caller controls. osls always writes through the service's own
// .serverless/ before moving the result, so each build runs in a private copy of the service (sources
// copied, node_modules linked): parallel builds, `npm start` and the bench never meet.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** What serverless.yml and the bundles read. */
const SERVICE_FILES = ['serverless.yml', 'package.json', 'tsconfig.json', 'infra', 'functions', 'shared'];

/** What a machine with no AWS account and no secrets has: the basics a Node tool needs. */
export function bareEnvironment(): Record<string, string> {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TERM'];
  return Object.fromEntries(keep.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
}

export interface Package {
  dir: string;
  files: string[];
  /** .serverless/cloudformation-template-update-stack.json */
  template: CfnTemplate;
  remove(): Promise<void>;
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, any>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

/** The service's configuration as osls resolves it for a stage: params, variables and infra/'s generators applied. */
export interface ResolvedService {
  provider: { timeout?: number; environment?: Record<string, unknown> };
  functions: Record<
    string,
    { handler?: string; timeout?: number; environment?: Record<string, unknown>; events?: Array<Record<string, unknown>> }
  >;
}

/** `osls print --stage <stage>`: reads the service, writes nothing. */
export async function printStage(stage: string, env: Record<string, string>): Promise<ResolvedService> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      path.join(repoRoot, 'node_modules', '.bin', 'osls'),
      ['print', '--stage', stage, '--format', 'json'],
      { cwd: repoRoot, env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, out, stderr) =>
        error ? reject(new Error(`osls print --stage ${stage} failed: ${error.message}\n${out}\n${stderr}`)) : resolve(out),
    );
  });
  return JSON.parse(stdout) as ResolvedService;
}

export async function packageStage(stage: string, env: Record<string, string>, extraArgs: string[] = []): Promise<Package> {
  const work = await mkdtemp(path.join(tmpdir(), `verigate-package-${stage}-`));
  const service = path.join(work, 'service');
  const dir = path.join(work, 'package');
  const remove = () => rm(work, { recursive: true, force: true });
  try {
    await Promise.all(SERVICE_FILES.map((f) => cp(path.join(repoRoot, f), path.join(service, f), { recursive: true })));
    await symlink(path.join(repoRoot, 'node_modules'), path.join(service, 'node_modules'), 'dir');
    await new Promise<void>((resolve, reject) => {
      execFile(
        path.join(repoRoot, 'node_modules', '.bin', 'osls'),
        ['package', '--stage', stage, '--package', dir, ...extraArgs],
        {
          cwd: service,
          env,
          timeout: 300_000,
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) =>
          error ? reject(new Error(`osls package --stage ${stage} failed: ${error.message}\n${stdout}\n${stderr}`)) : resolve(),
      );
    });
    const template = JSON.parse(await readFile(path.join(dir, 'cloudformation-template-update-stack.json'), 'utf8')) as CfnTemplate;
    return { dir, files: await readdir(dir), template, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
