// A stage's templates file (infra/messages/<stage>.json), as serverless.yml passes it to deliverCode.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const { stageTemplates, MAX_TEMPLATES_BYTES } = createRequire(import.meta.url)('../../infra/message-templates.cjs') as {
  stageTemplates: (stage: string, dir?: string) => string;
  MAX_TEMPLATES_BYTES: number;
};

const dir = mkdtempSync(path.join(tmpdir(), 'verigate-messages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a stage's templates file", () => {
  it('is passed as one line of JSON, and as nothing when the stage has no file', () => {
    writeFileSync(path.join(dir, 'prod.json'), '{\n  "en-US": {\n    "sms": "{brand}: {code}"\n  }\n}\n');
    expect(stageTemplates('prod', dir)).toBe('{"en-US":{"sms":"{brand}: {code}"}}');
    expect(stageTemplates('staging', dir)).toBe('');
  });

  it('fails the package when the file is not JSON, or too large for Lambda beside the other variables', () => {
    writeFileSync(path.join(dir, 'broken.json'), '{"en-US": ');
    expect(() => stageTemplates('broken', dir)).toThrow(/broken\.json is not JSON/);
    writeFileSync(path.join(dir, 'big.json'), JSON.stringify({ 'en-US': { emailHtml: `<p>{code}${'x'.repeat(MAX_TEMPLATES_BYTES)}</p>` } }));
    expect(() => stageTemplates('big', dir)).toThrow(/over the 3072 that fit beside deliverCode's other variables in Lambda's 4 KB/);
  });

  it('reads no path but a stage name', () => {
    expect(() => stageTemplates('../secrets', dir)).toThrow('message templates: "../secrets" is not a stage name');
  });
});
