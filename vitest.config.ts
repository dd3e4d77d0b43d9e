import { defineConfig } from 'vitest/config';

// Four suites: unit (pure logic, no database), integration (real DynamoDB Local, in-process),
// e2e (HTTP and Lambda invoke against serverless-offline backed by DynamoDB Local), and artifact (the prod
// package's bundles, each in a fresh process of the Node major it deploys to, against DynamoDB Local).
export default defineConfig({
  test: {
    // Quiet logs and no EMF lines in test output (the logger and metrics read these at import).
    env: { LOG_LEVEL: 'SILENT', POWERTOOLS_METRICS_DISABLED: 'true' },
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-dynamodb.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/global-dynamodb.ts', 'test/support/global-offline.ts'],
          testTimeout: 30_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'artifact',
          include: ['test/artifact/**/*.test.ts'],
          // The package is built once, here; the tests only unpack-and-run.
          globalSetup: ['test/support/global-dynamodb.ts', 'test/artifact/global-package.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
