// Stands in for @aws-sdk/credential-provider-node in the Lambda bundles (an esbuild alias in
// serverless.yml). Lambda always puts the function role's credentials in the environment, so the
// default chain's other sources (INI files, SSO, STS web identity, IMDS, …) are dead weight there:
// ~100 KiB that every cold start would parse. Locally, DynamoDB Local gets static credentials.
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
