// serverless.yml as osls resolves it (its functions are generated from shared/operations.ts by
// infra/functions.cjs) against the declaration of the operations: the functions, their handlers, the HTTP
// routes, which functions take events only and which read the table's stream must agree, or a deploy would
// serve something the handlers, tests, bench and dev tooling do not know about.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../dev/paths.js';
import { DEPLOYMENT, HTTP_OPERATIONS, OPERATIONS, type CallerAuth, type OperationName } from '../../shared/operations.js';
import { DELIVER_FUNCTION_TIMEOUT_MS, EVENTS_FUNCTION_TIMEOUT_MS, FUNCTION_TIMEOUT_MS } from '../../shared/policy.js';
import { envVariable, SECRET_NAMES } from '../../shared/secrets/catalog.js';
import { bareEnvironment, printStage, type ResolvedService } from '../support/osls-package.js';

type FunctionDefinition = ResolvedService['functions'][string];

/** The HTTP routes a function serves, as "METHOD /path" (both API Gateway flavours, so a REST route is seen too). */
function routesOf(fn: FunctionDefinition): string[] {
  return (fn.events ?? []).flatMap((event) => {
    const http = (event.httpApi ?? event.http) as { method?: string; path?: string } | string | undefined;
    if (http === undefined) return [];
    return [typeof http === 'string' ? http : `${String(http.method).toUpperCase()} ${http.path}`];
  });
}

/** A value per secret variable, as a developer's shell may hold them. */
const shellSecrets = Object.fromEntries(SECRET_NAMES.map((n) => [envVariable(n), `shell-${n}`]));
const isSecretVariable = (name: string) => name in shellSecrets;

let yml: ResolvedService;
let prod: ResolvedService;
let functions: ResolvedService['functions'];
beforeAll(async () => {
  [yml, prod] = await Promise.all([
    printStage('local', { ...bareEnvironment(), ...shellSecrets }),
    printStage('prod', { ...bareEnvironment(), ...shellSecrets }),
  ]);
  functions = yml.functions;
}, 120_000);

describe('serverless.yml and the time budget', () => {
  it('gives every function the timeout the request budget is planned against (shared/policy.ts)', () => {
    expect(yml.provider.timeout).toBe(FUNCTION_TIMEOUT_MS / 1000);
    for (const [name, fn] of Object.entries(functions))
      expect(fn.timeout ?? yml.provider.timeout, name).toBe(
        (name === 'deliverCode'
          ? DELIVER_FUNCTION_TIMEOUT_MS
          : name === 'publishLifecycleEvents'
            ? EVENTS_FUNCTION_TIMEOUT_MS
            : FUNCTION_TIMEOUT_MS) / 1000,
      );
  });
});

describe('serverless.yml and the table of operations', () => {
  it('declare the same functions', () => {
    expect(Object.keys(functions).sort()).toEqual(Object.keys(OPERATIONS).sort());
  });

  it('name each operation by its key', () => {
    for (const [key, operation] of Object.entries(OPERATIONS)) expect(operation.name).toBe(key);
  });

  it('give each function the same handler, and that handler file exists', () => {
    for (const operation of Object.values(OPERATIONS)) {
      const { handler } = DEPLOYMENT[operation.name];
      expect(functions[operation.name]?.handler, operation.name).toBe(handler);
      const file = `${handler.replace(/\.[^./]+$/, '')}.ts`;
      expect(existsSync(path.join(repoRoot, file)), `${file} exists`).toBe(true);
    }
  });

  it('route each HTTP operation by exactly its method and path', () => {
    for (const operation of HTTP_OPERATIONS) {
      expect(routesOf(functions[operation.name] ?? {}), operation.name).toEqual([`${operation.route.method} ${operation.route.path}`]);
    }
  });

  it('give the event-only functions no HTTP route, and some event', () => {
    const eventOnly = Object.values(OPERATIONS).filter((o) => o.trigger === 'event');
    expect(eventOnly.length).toBeGreaterThan(0);
    for (const operation of eventOnly) {
      const fn = functions[operation.name] ?? {};
      expect(routesOf(fn), operation.name).toEqual([]);
      expect(fn.events?.length ?? 0, `${operation.name} has events`).toBeGreaterThan(0);
    }
  });

  it('feed the stream consumers (delivery, lifecycle events) from the table stream only, each filtered, and route them nothing', () => {
    const consumers = Object.values(OPERATIONS).filter((o) => o.trigger === 'stream');
    expect(consumers.map((o) => o.name)).toEqual(['deliverCode', 'publishLifecycleEvents']);
    for (const operation of consumers) {
      const fn = functions[operation.name] ?? {};
      expect(routesOf(fn), operation.name).toEqual([]);
      expect((fn.events ?? []).map((e) => Object.keys(e))).toEqual([['stream']]);
      // Each its own filter: the patterns the code exports (and the local poller applies).
      const stream = (fn.events![0] as { stream: { filterPatterns?: unknown } }).stream;
      expect(stream.filterPatterns, operation.name).toEqual(DEPLOYMENT[operation.name].stream.filterPatterns);
    }
  });

  it('never route two operations to one method and path', () => {
    const routes = HTTP_OPERATIONS.map((o) => `${o.route.method} ${o.route.path}`);
    expect(new Set(routes).size).toBe(routes.length);
  });
});

describe("each function's secrets", () => {
  it("takes, in the local stage only, the developer's values of its own secrets, and of no other", () => {
    expect(Object.keys(yml.provider.environment ?? {}).filter(isSecretVariable)).toEqual([]);
    for (const [name, fn] of Object.entries(functions)) {
      const own = OPERATIONS[name as OperationName].secrets.map(envVariable);
      const given = Object.entries(fn.environment ?? {}).filter(([variable]) => isSecretVariable(variable));
      expect(Object.fromEntries(given), name).toEqual(Object.fromEntries(own.map((v) => [v, shellSecrets[v]])));
    }
  });

  it('takes none from the deploying shell in any other stage', () => {
    expect(Object.keys(prod.provider.environment ?? {}).filter(isSecretVariable)).toEqual([]);
    for (const [name, fn] of Object.entries(prod.functions))
      expect(Object.keys(fn.environment ?? {}).filter(isSecretVariable), name).toEqual([]);
  });
});

describe('the caller auth of each route', () => {
  /** The security schemes of the API document (openapi/document.ts) each kind of caller auth is. */
  const SCHEMES: Record<Exclude<CallerAuth, 'iam'>, unknown[]> = {
    partner: [{ partnerToken: [] }, { akskSignature: [] }],
    app: [{ appToken: [] }],
    captcha: [],
  };

  it('is the one the published API document names', async () => {
    const doc = JSON.parse(await readFile(path.join(repoRoot, 'openapi', 'openapi.json'), 'utf8')) as {
      paths: Record<string, Record<string, { security?: unknown[] }>>;
    };
    for (const o of HTTP_OPERATIONS)
      expect(doc.paths[o.route.path]?.[o.route.method.toLowerCase()]?.security, o.name).toEqual(SCHEMES[o.auth]);
  });
});
