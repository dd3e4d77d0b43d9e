// serverless.yml against the one table of operations (shared/operations.ts): the functions, their
// handlers, the HTTP routes and which functions take events only must agree, or a deploy would serve
// something the handlers, tests, bench and dev tooling do not know about.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../dev/paths.js';
import { HTTP_OPERATIONS, OPERATIONS } from '../../shared/operations.js';
import { DELIVER_FUNCTION_TIMEOUT_MS, FUNCTION_TIMEOUT_MS } from '../../shared/policy.js';

interface FunctionDefinition {
  handler?: unknown;
  events?: Array<Record<string, unknown>>;
}

/** serverless.yml as the framework reads it (osls's own reader, CloudFormation tags included), variables unresolved. */
interface ServerlessYml {
  provider: { timeout?: unknown };
  functions: Record<string, FunctionDefinition & { timeout?: unknown }>;
}

async function readServerlessYml(): Promise<ServerlessYml> {
  const read = createRequire(import.meta.url)('osls/lib/configuration/read.js') as (file: string) => Promise<unknown>;
  return (await read(path.join(repoRoot, 'serverless.yml'))) as ServerlessYml;
}

/** The HTTP routes a function serves, as "METHOD /path" (both API Gateway flavours, so a REST route is seen too). */
function routesOf(fn: FunctionDefinition): string[] {
  return (fn.events ?? []).flatMap((event) => {
    const http = (event.httpApi ?? event.http) as { method?: string; path?: string } | string | undefined;
    if (http === undefined) return [];
    return [typeof http === 'string' ? http : `${String(http.method).toUpperCase()} ${http.path}`];
  });
}

let yml: ServerlessYml;
let functions: ServerlessYml['functions'];
beforeAll(async () => {
  yml = await readServerlessYml();
  functions = yml.functions;
});

describe('serverless.yml and the time budget', () => {
  it('gives every function the timeout the request budget is planned against (shared/policy.ts)', () => {
    expect(yml.provider.timeout).toBe(FUNCTION_TIMEOUT_MS / 1000);
    for (const [name, fn] of Object.entries(functions))
      expect(fn.timeout ?? yml.provider.timeout, name).toBe((name === 'deliverCode' ? DELIVER_FUNCTION_TIMEOUT_MS : FUNCTION_TIMEOUT_MS) / 1000);
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
      expect(functions[operation.name]?.handler, operation.name).toBe(operation.handler);
      const file = `${operation.handler.replace(/\.[^./]+$/, '')}.ts`;
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

  it('feed the stream consumers from the table stream only, filtered to delivery requests, and route them nothing', () => {
    const consumers = Object.values(OPERATIONS).filter((o) => o.trigger === 'stream');
    expect(consumers.map((o) => o.name)).toEqual(['deliverCode']);
    for (const operation of consumers) {
      const fn = functions[operation.name] ?? {};
      expect(routesOf(fn), operation.name).toEqual([]);
      expect((fn.events ?? []).map((e) => Object.keys(e))).toEqual([['stream']]);
    }
  });

  it('never route two operations to one method and path', () => {
    const routes = HTTP_OPERATIONS.map((o) => `${o.route.method} ${o.route.path}`);
    expect(new Set(routes).size).toBe(routes.length);
  });
});
