// What the cost model needs to know about the deployment, read from the CloudFormation template that
// `osls package --stage prod` synthesizes (the one `osls deploy` would send), so it follows serverless.yml
// and infra/ as they change: each function's memory, architecture and log level, the kind of API in front
// (HTTP API or REST API) and its access log format, any WAF web ACL and its rules, log retention, the audit
// retention and whether the table has point-in-time recovery.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { OPERATIONS, functionName, type OperationName } from '../shared/operations.js';

export const COST_STAGE = 'prod';

export interface FunctionFacts {
  memoryMb: number;
  architecture: string;
  /** LOG_LEVEL in the function's environment. */
  logLevel: string;
  /** Environment variables with plain string values (what the log measurement runs with). */
  environment: Record<string, string>;
  logRetentionDays: number | undefined;
}

export interface Deployment {
  functions: Record<OperationName, FunctionFacts>;
  api: {
    kind: 'rest' | 'http';
    /** The stage's access log format (one line per request that reaches the stage), if it logs. */
    accessLogFormat: string | undefined;
    accessLogRetentionDays: number | undefined;
  };
  /** The web ACL in front of the API, if the template has one. */
  waf: { rules: string[] } | undefined;
  table: { pointInTimeRecovery: boolean };
  auditRetentionDays: number;
}

interface Resource {
  Type: string;
  Properties?: Record<string, any>;
}

export function readDeployment(packageDir: string): Deployment {
  const template = JSON.parse(readFileSync(path.join(packageDir, 'cloudformation-template-update-stack.json'), 'utf8')) as {
    Resources: Record<string, Resource>;
  };
  const resources = Object.values(template.Resources);
  const ofType = (type: string) => resources.filter((r) => r.Type === type);
  const logGroups = new Map(
    ofType('AWS::Logs::LogGroup').flatMap((r) =>
      typeof r.Properties?.LogGroupName === 'string'
        ? [[r.Properties.LogGroupName as string, r.Properties.RetentionInDays as number | undefined]]
        : [],
    ),
  );
  const lambdas = ofType('AWS::Lambda::Function');
  const functions = Object.fromEntries(
    (Object.keys(OPERATIONS) as OperationName[]).map((op) => {
      const name = functionName(COST_STAGE, op);
      const fn = lambdas.find((r) => r.Properties?.FunctionName === name);
      if (!fn) throw new Error(`the packaged template has no function ${name}`);
      const p = fn.Properties!;
      const environment = Object.fromEntries(
        Object.entries((p.Environment?.Variables ?? {}) as Record<string, unknown>).filter(
          (e): e is [string, string] => typeof e[1] === 'string',
        ),
      );
      const facts: FunctionFacts = {
        // Lambda's defaults when the template leaves them out.
        memoryMb: Number(p.MemorySize ?? 128),
        architecture: ((p.Architectures as string[] | undefined) ?? ['x86_64'])[0]!,
        logLevel: environment.LOG_LEVEL ?? 'INFO',
        environment,
        logRetentionDays: logGroups.get(`/aws/lambda/${name}`),
      };
      return [op, facts];
    }),
  ) as Record<OperationName, FunctionFacts>;

  const rest = ofType('AWS::ApiGateway::RestApi').length > 0;
  const stage = rest ? ofType('AWS::ApiGateway::Stage')[0] : ofType('AWS::ApiGatewayV2::Stage')[0];
  const logSettings = (rest ? stage?.Properties?.AccessLogSetting : stage?.Properties?.AccessLogSettings) as
    { Format?: unknown; DestinationArn?: unknown } | undefined;
  // The access log's group, when the stage names one of the template's own.
  const destination = (logSettings?.DestinationArn as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt']?.[0];
  const accessLogGroup = destination === undefined ? undefined : template.Resources[destination];
  const acls = ofType('AWS::WAFv2::WebACL');
  const table = ofType('AWS::DynamoDB::Table')[0];
  const auditRetention = functions.sendVerificationCode.environment.AUDIT_RETENTION_DAYS;
  if (auditRetention === undefined) throw new Error('the packaged template sets no AUDIT_RETENTION_DAYS');
  return {
    functions,
    api: {
      kind: rest ? 'rest' : 'http',
      accessLogFormat: typeof logSettings?.Format === 'string' ? logSettings.Format : undefined,
      accessLogRetentionDays: accessLogGroup?.Properties?.RetentionInDays as number | undefined,
    },
    waf: acls.length
      ? { rules: acls.flatMap((a) => ((a.Properties?.Rules ?? []) as Array<{ Name: string }>).map((r) => r.Name)) }
      : undefined,
    table: { pointInTimeRecovery: table?.Properties?.PointInTimeRecoverySpecification?.PointInTimeRecoveryEnabled === true },
    auditRetentionDays: Number(auditRetention),
  };
}
