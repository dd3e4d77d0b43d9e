// `npm run openapi`: writes openapi/openapi.json, openapi/customer-events.schema.json,
// openapi/lifecycle-events.schema.json and client/schema.d.ts
// from the zod schemas. Commit them; test/unit/openapi.test.ts fails while they are out of date.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ARTIFACTS, renderArtifacts } from '../openapi/artifacts.js';
import { repoRoot } from '../dev/paths.js';

const rendered = await renderArtifacts();
for (const key of Object.keys(ARTIFACTS) as (keyof typeof ARTIFACTS)[]) {
  await mkdir(path.dirname(ARTIFACTS[key]), { recursive: true });
  await writeFile(ARTIFACTS[key], rendered[key]);
  console.log(`wrote ${path.relative(repoRoot, ARTIFACTS[key])}`);
}
