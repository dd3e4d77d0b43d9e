// npm run sizing
// Prints the sizing table of docs/operations.md "Capacity and throttles" (scripts/capacity.ts): each setting
// and quota for 100, 1,000 and 5,000 sends, verifies and check-identity calls a second, and which binds first.
import { sizingMarkdown } from './capacity.js';

process.stdout.write(`${sizingMarkdown()}\n`);
