// vitest globalSetup for the artifact suite (after global-dynamodb): the prod package built once, as
// `npm run package` builds it for a deploy; each function's zip unpacked as Lambda unpacks it into its task
// root; and the official Node build of the runtime serverless.yml deploys to.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// Makes 'vitest' resolvable for the ProvidedContext augmentation below.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { ensureLambdaNode, type NodeBinary } from '../../dev/node-runtime.js';
import { oslsBin, repoRoot } from '../../dev/paths.js';
import { spawnGroup } from '../../dev/processes.js';
import { extractZip } from '../../dev/support/zip.js';
import { functionName, OPERATIONS, type OperationName } from '../../shared/operations.js';

export const PACKAGE_STAGE = 'prod';

/** One function of the package as CloudFormation would create it. */
export interface PackagedFunction {
  /** The deployed name, `verigate-prod-<operation>`. */
  functionName: string;
  /** Where its zip is unpacked (Lambda's /var/task). */
  taskRoot: string;
  handler: string;
  runtime: string;
  timeoutSeconds: number;
  memoryMb: number;
  /** Environment.Variables with a literal value, as Lambda would set them. */
  environment: Record<string, string>;
  /** Variables whose value CloudFormation computes at deploy time (Ref, Fn::*): not set by the tests. */
  computedVariables: string[];
  /** The SSM parameters its role may read (`/verigate/prod/code-pepper`), from the template's IAM role. */
  readableParameters: string[];
}

export interface PackagedService {
  node: NodeBinary;
  region: string;
  functions: Record<OperationName, PackagedFunction>;
  /** Wall time of `osls package`, for the record. */
  packageMs: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    packaged: PackagedService;
  }
}

const PACKAGE_TIMEOUT_MS = 180_000;

/** Runs `osls package --stage prod` into `out`, with nothing from the test environment leaking into the template. */
async function packageService(out: string, workDir: string): Promise<void> {
  const group = spawnGroup(oslsBin, ['package', '--stage', PACKAGE_STAGE, '--package', out], {
    cwd: repoRoot,
    // Only what a clean deploy shell has: serverless.yml copies several variables (DYNAMODB_ENDPOINT, which
    // global-dynamodb has just set, OUTBOX_PATH, NOTIFIER, secrets) from the environment into the template.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      // Its own esbuild work folder, so a running `npm start` or the e2e build is left alone.
      ESBUILD_WORK_FOLDER: path.relative(repoRoot, workDir),
    },
  });
  const timer = setTimeout(() => void group.stop(), PACKAGE_TIMEOUT_MS);
  try {
    const code = await group.exited;
    if (code !== 0) throw new Error(`osls package --stage ${PACKAGE_STAGE} failed (${code}):\n${group.output}`);
  } finally {
    clearTimeout(timer);
    await group.stop();
  }
}

interface Template {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

/** The parameter names in the ssm:GetParameters statements of a function's role (ARNs as Fn::Join of `…parameter/<name>`). */
function readableParameters(template: Template, fn: { Properties: Record<string, unknown> }): string[] {
  const [roleId] = (fn.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
  const policies = template.Resources[roleId]!.Properties.Policies as Array<{
    PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> };
  }>;
  return policies
    .flatMap((p) => p.PolicyDocument.Statement)
    .filter((s) => [s.Action].flat().includes('ssm:GetParameters'))
    .flatMap((s) => [s.Resource].flat())
    .map((arn) => {
      const last = (arn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].at(-1);
      if (typeof last !== 'string' || !last.startsWith('parameter/')) throw new Error(`unexpected SSM resource ${JSON.stringify(arn)}`);
      return last.slice('parameter'.length);
    });
}

interface ServiceState {
  service: { provider: { region: string }; functions: Record<string, { package?: { artifact?: string } }> };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = await mkdtemp(path.join(tmpdir(), 'verigate-artifact-'));
  const teardown = () => rm(root, { recursive: true, force: true });
  try {
    const node = await ensureLambdaNode();
    const out = path.join(root, 'package');
    const started = performance.now();
    await packageService(out, path.join(root, 'esbuild'));
    const packageMs = performance.now() - started;

    const template = JSON.parse(await readFile(path.join(out, 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
    const state = JSON.parse(await readFile(path.join(out, 'serverless-state.json'), 'utf8')) as ServiceState;
    const lambdas = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    const functions = {} as Record<OperationName, PackagedFunction>;
    for (const operation of Object.keys(OPERATIONS) as OperationName[]) {
      const name = functionName(PACKAGE_STAGE, operation);
      const resource = lambdas.find((r) => r.Properties.FunctionName === name);
      if (!resource) throw new Error(`the ${PACKAGE_STAGE} template has no Lambda function ${name}`);
      const artifact = state.service.functions[operation]?.package?.artifact;
      if (!artifact) throw new Error(`the ${PACKAGE_STAGE} package has no artifact for ${operation}`);
      const taskRoot = path.join(root, 'task', operation);
      await mkdir(taskRoot, { recursive: true });
      await extractZip(path.resolve(out, path.basename(artifact)), taskRoot);
      const p = resource.Properties as {
        Handler: string;
        Runtime: string;
        Timeout: number;
        MemorySize: number;
        Environment?: { Variables?: Record<string, unknown> };
      };
      const variables = Object.entries(p.Environment?.Variables ?? {});
      functions[operation] = {
        functionName: name,
        taskRoot,
        handler: p.Handler,
        runtime: p.Runtime,
        timeoutSeconds: p.Timeout,
        memoryMb: p.MemorySize,
        environment: Object.fromEntries(variables.filter((e): e is [string, string] => typeof e[1] === 'string')),
        computedVariables: variables.filter(([, v]) => typeof v !== 'string').map(([k]) => k),
        readableParameters: readableParameters(template, resource),
      };
    }
    project.provide('packaged', { node, region: state.service.provider.region, functions, packageMs });
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
