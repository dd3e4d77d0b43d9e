// Where the repository and its tools are, for code that runs from anywhere (npm start, vitest, the bench).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The serverless CLI (osls) installed with the project. */
export const oslsBin = path.join(repoRoot, 'node_modules', '.bin', 'osls');
