// The AWS deployment as `npx osls package --stage prod` synthesizes it, examined the way an AWS team would
// before approving it: who may do what, what reaches the browser, what limits and alarms exist, where events
// go, what survives a stack deletion, and that no secret is in it. Packaged offline, twice in parallel: with a
// bare environment (no AWS account, no secret) and with a sentinel value in every secret variable.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DELIVERY_STREAM_FILTER_PATTERNS } from '../../shared/channels.js';
import { LIFECYCLE_STREAM_FILTER_PATTERNS } from '../../shared/events/lifecycle-stream.js';
import { CbcErrorBody, UsgErrorBody } from '../../shared/domain/responses.js';
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.js';
import {
  DEPLOYMENT,
  EDGE,
  HTTP_OPERATIONS,
  OPERATIONS,
  functionName,
  type HttpOperationName,
  type OperationName,
} from '../../shared/operations.js';
import { FUNCTION_TIMEOUT_MS, PARTNER_REQUESTS_PER_SECOND, SEND_PER_SOURCE_IP } from '../../shared/policy.js';
import { envVariable, parameterName, SECRET_NAMES } from '../../shared/secrets/catalog.js';
import { dynamodbCalls, expectedCalls } from '../support/dynamodb-calls.js';
import { bareEnvironment, packageStage, type CfnResource, type CfnTemplate, type Package } from '../support/osls-package.js';
import { SECRET_PARAMETERS } from '../support/secret-parameters.js';
import { readZip } from '../../dev/support/zip.js';

const STAGE = 'prod';
const GIVEN_ALARM_TOPIC = 'arn:aws:sns:ap-southeast-1:123456789012:ops-alarms';
/** Stage parameters the second package is built with, to see the template follow them (docs/operations.md "Parameters per stage"). */
const GIVEN_PARAMS = {
  alarmTopicArn: GIVEN_ALARM_TOPIC,
  sendRateLimit: 7,
  sendBurstLimit: 9,
  sendReservedConcurrency: 3,
  messageBrand: 'Acme Cloud',
  // Browser origins as one --param gives them: an exact origin and a scheme's prefix form.
  corsAllowedOrigins: 'http://localhost:5173,https://*',
  wafIpRateLimit: 900,
  sendIpRateLimit: 12,
  checkIdentityTokenRateLimit: 300,
  deliveryBatchSize: 25,
  deliveryParallelizationFactor: 4,
  tableMaxWriteRequestUnits: 8000,
  smsOriginationIdentities: 'CN=pool-0a1b2c,*=VERIGATE',
  voiceOriginationIdentities: '*=phone-9f8e7d',
  protectCountryRules: 'RU=BLOCK,NG=BLOCK',
};
const repoFile = (name: string) => readFile(path.join(import.meta.dirname, '..', '..', name), 'utf8');

// ---------- what the code does, stated independently of infra/ and shared/operations.ts ----------
// (The SSM parameters each function needs: test/support/secret-parameters.ts, the operators' contract. The
// DynamoDB calls: shared/operations.ts, held to the calls the code really makes by
// test/integration/dynamodb-calls.test.ts.)

/** Event-driven functions, the EventBridge detail-type each consumes (docs/api.md "Customer events"). */
const EVENT_FUNCTIONS: Partial<Record<OperationName, string>> = {
  registerCustomer: 'CustomerRegistered',
  deregisterCustomer: 'CustomerDeregistered',
};
/** The code is sent off the request path, from the table's stream (docs/architecture.md "Delivery"): send has no End User Messaging or SES access. */
const DELIVERS_CODES: OperationName[] = ['deliverCode'];
/** Subscribed to the delivery receipts topic (docs/architecture.md "Receipts"), with an on-failure queue of its own. */
const RECORDS_RECEIPTS: OperationName[] = ['recordReceipt'];
/** Publishes the lifecycle events from the table's stream, and reports verified codes received (docs/operations.md "Lifecycle events"). */
const PUBLISHES_LIFECYCLE: OperationName[] = ['publishLifecycleEvents'];
/** What telling it takes: the stage's bus, End User Messaging's message feedback. */
const LIFECYCLE_ACTIONS = ['events:PutEvents', 'sms-voice:PutMessageFeedback'];
/** The stream's consumers: each reads it through its own event source mapping, with its own on-failure queue. */
const STREAM_CONSUMERS: OperationName[] = [...DELIVERS_CODES, ...PUBLISHES_LIFECYCLE];
/** What sending a code takes (infra/roles.cjs deliveryStatements). */
const DELIVERY_ACTIONS = ['sms-voice:SendTextMessage', 'sms-voice:SendVoiceMessage', 'ses:SendEmail'];
/** What Lambda's event source mapping calls on the table's stream, under the consumer's role. */
const STREAM_READ_ACTIONS = ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'];

/** Request headers the API reads (pipeline, partner and app auth, AK/SK signature); Host is the browser's. */
const HEADERS_THE_API_READS = [
  'Content-Type',
  'Accept-Language',
  'X-Request-Id',
  'X-Auth-Token',
  'X-Access-Token',
  'Authorization',
  'X-Sdk-Date',
];

/** Attributes callers of audit.bySubject (shared/store/audit.ts) read from the index. */
const AUDIT_INDEX_ATTRIBUTES = ['caller', 'operation', 'outcome', 'requestId', 'status', 'subjectMasked'];

/** Environment variables holding secrets, now or under another name later (see docs/operations.md "Secrets"). */
async function secretVariableNames(): Promise<string[]> {
  const known = [
    'PARTNER_JWT_SECRET',
    'APP_JWT_SECRET',
    'CAPTCHA_SECRET',
    'CODE_PEPPER',
    'IDENTITY_PEPPER',
    'PARTNER_CREDENTIALS',
    'LOCAL_PARTNER_SK',
    'PARTNER_KEY_ENCRYPTION_KEY',
    'OUTBOX_KEY',
  ];
  const sources = (await Promise.all(['serverless.yml', 'shared/config.ts'].map(repoFile))).join('\n');
  const named = sources.match(/\b[A-Z][A-Z0-9_]*(?:SECRET|PEPPER|CREDENTIALS|PASSWORD|PRIVATE_KEY|_SK)\b/g) ?? [];
  return [...new Set([...known, ...named, ...SECRET_NAMES.map(envVariable)])].sort();
}

// ---------- reading the template ----------

let bare: Package;
let withSentinels: Package;
let sentinels: Record<string, string>;

/**
 * Settings a developer's shell may hold for the local stack. Only the local stage reads them: a prod
 * package built from such a shell must not point at DynamoDB Local, write an outbox file or loosen a limit.
 */
const LOCAL_SHELL = {
  DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000',
  OUTBOX_PATH: '/tmp/outbox.jsonl',
  NOTIFIER: 'outbox',
  ENUMERATION_PROTECTION: 'false',
  SMS_COUNTRY_ALLOWLIST: 'CN,US,GB,SO,CU',
  SMS_HOURLY_BUDGET_PER_COUNTRY: '10000000',
  PARTNER_REQUESTS_PER_SECOND: '100000',
  EMAIL_FROM: 'dev@laptop.invalid',
  MESSAGE_BRAND: 'Laptop',
  MESSAGE_TEMPLATES: '{"en-US":{"sms":"dev {code}"}}',
  WEBOTP_DOMAIN: 'localhost',
  SMS_MAX_PARTS: '10',
};

beforeAll(async () => {
  sentinels = Object.fromEntries(
    (await secretVariableNames()).map((name) => [name, `SENTINEL-${name}-${randomBytes(12).toString('hex')}`]),
  );
  [bare, withSentinels] = await Promise.all([
    packageStage(STAGE, bareEnvironment()),
    // Also stage parameters (the alarm topic, the send route's limits), to see the template follow them.
    packageStage(
      STAGE,
      { ...bareEnvironment(), ...LOCAL_SHELL, ...sentinels },
      Object.entries(GIVEN_PARAMS).map(([name, value]) => `--param=${name}=${value}`),
    ),
  ]);
}, 300_000);

afterAll(async () => {
  await Promise.all([bare?.remove(), withSentinels?.remove()]);
});

const t = (): CfnTemplate => bare.template;
const resources = (type: string, template = t()) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);
const resource = (id: string, template = t()): CfnResource => {
  const r = template.Resources[id];
  if (!r) throw new Error(`no resource ${id} in the template`);
  return r;
};
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** A CloudFormation value as text, pseudo parameters filled in, references as <Id> / <Id.Attribute>. */
function render(v: unknown): string {
  if (typeof v === 'string' || typeof v === 'number') return String(v);
  const o = v as Record<string, any>;
  if ('Ref' in o)
    return { 'AWS::Partition': 'aws', 'AWS::Region': 'ap-southeast-1', 'AWS::AccountId': '123456789012' }[o.Ref as string] ?? `<${o.Ref}>`;
  if ('Fn::GetAtt' in o) return `<${o['Fn::GetAtt'].join('.')}>`;
  if ('Fn::Join' in o) return (o['Fn::Join'][1] as unknown[]).map(render).join(o['Fn::Join'][0]);
  if ('Fn::Sub' in o)
    return (o['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name: string) =>
      render(name.includes('.') ? { 'Fn::GetAtt': name.split('.') } : { Ref: name }),
    );
  throw new Error(`cannot render ${JSON.stringify(v)}`);
}

/** The REST API's methods as "METHOD /path" (the path rebuilt from its resources) → the method's logical id. */
function restMethods(template = t()): Record<string, string> {
  const pathOf = (ref: Record<string, any>): string => {
    if ('Fn::GetAtt' in ref) {
      expect(ref['Fn::GetAtt']).toEqual(['ApiGatewayRestApi', 'RootResourceId']);
      return '';
    }
    const r = resource(ref.Ref as string, template);
    expect(r.Type).toBe('AWS::ApiGateway::Resource');
    return `${pathOf(r.Properties!.ParentId)}/${r.Properties!.PathPart}`;
  };
  return Object.fromEntries(
    resources('AWS::ApiGateway::Method', template).map(([id, m]) => [`${m.Properties!.HttpMethod} ${pathOf(m.Properties!.ResourceId)}`, id]),
  );
}
/** The routes' methods (POST), without the preflights' OPTIONS methods. */
const routeMethods = (template = t()) => Object.fromEntries(Object.entries(restMethods(template)).filter(([key]) => !key.startsWith('OPTIONS ')));
const preflightMethods = (template = t()) => Object.fromEntries(Object.entries(restMethods(template)).filter(([key]) => key.startsWith('OPTIONS ')));

type Throttle = { ThrottlingRateLimit: number; ThrottlingBurstLimit: number };
/** The REST stage's method settings as "METHOD /path" (`* *` for the stage default) → its throttle and what else it sets. */
function methodSettingsIn(template = t()): Record<string, Throttle & Record<string, unknown>> {
  const settings = resource('ApiGatewayStage', template).Properties!.MethodSettings as Array<Record<string, any>>;
  return Object.fromEntries(
    settings.map((s) => {
      const path = s.ResourcePath === '/*' ? '*' : (s.ResourcePath as string).slice(1).replaceAll('~1', '/');
      return [`${s.HttpMethod} ${path}`, s as Throttle & Record<string, unknown>];
    }),
  );
}
const throttleOf = (s: Throttle) => ({ ThrottlingRateLimit: s.ThrottlingRateLimit, ThrottlingBurstLimit: s.ThrottlingBurstLimit });

/** The function resources by operation name (FunctionName is verigate-<stage>-<operation>). */
function functionsByOperation(template = t()): Record<string, { id: string; resource: CfnResource }> {
  return Object.fromEntries(
    resources('AWS::Lambda::Function', template).map(([id, r]) => [
      String(r.Properties!.FunctionName).replace(`verigate-${STAGE}-`, ''),
      { id, resource: r },
    ]),
  );
}

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, string[]>>;
}

function roleOf(operation: OperationName): { id: string; statements: Statement[]; role: CfnResource } {
  const fn = functionsByOperation()[operation]!.resource;
  const [id, attribute] = fn.Properties!.Role['Fn::GetAtt'] as [string, string];
  expect(attribute).toBe('Arn');
  const role = resource(id);
  expect(role.Type).toBe('AWS::IAM::Role');
  const statements = (role.Properties!.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>).flatMap(
    (p) => p.PolicyDocument.Statement,
  );
  return { id, statements, role };
}

const actionsOf = (statements: Statement[], effect: 'Allow' | 'Deny') =>
  statements.filter((s) => s.Effect === effect).flatMap((s) => list(s.Action));
const operations = Object.keys(OPERATIONS) as OperationName[];

// ---------- the tests ----------

describe('the prod package', () => {
  it('builds offline with no AWS account and no secret in the environment', () => {
    expect(bare.files).toEqual(expect.arrayContaining(['cloudformation-template-update-stack.json', ...operations.map((o) => `${o}.zip`)]));
  });

  it('carries no secret value anywhere, even when every secret variable is set while packaging', async () => {
    const leaks: string[] = [];
    for (const file of withSentinels.files) {
      const full = path.join(withSentinels.dir, file);
      const contents = file.endsWith('.zip')
        ? (await readZip(full)).map((e) => ({ where: `${file}:${e.name}`, text: e.data.toString('latin1') }))
        : [{ where: file, text: await readFile(full, 'latin1') }];
      for (const { where, text } of contents)
        for (const [name, value] of Object.entries(sentinels)) if (text.includes(value)) leaks.push(`${name} in ${where}`);
    }
    expect(Object.keys(sentinels).length).toBeGreaterThanOrEqual(7);
    expect(leaks).toEqual([]);
  });

  it("takes no setting from the deploying shell: a developer's local settings do not reach prod", () => {
    const fns = resources('AWS::Lambda::Function', withSentinels.template);
    expect(fns.length).toBe(operations.length);
    for (const [id, fn] of fns) {
      const vars = ((fn.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>;
      expect(vars, id).not.toHaveProperty('DYNAMODB_ENDPOINT');
      expect(vars, id).not.toHaveProperty('OUTBOX_PATH');
      expect(vars, id).not.toHaveProperty('EMAIL_FROM');
      expect(vars, id).toMatchObject({
        NOTIFIER: 'aws',
        ENUMERATION_PROTECTION: 'true',
        SMS_COUNTRY_ALLOWLIST: 'CN,HK,MO,TW',
        SMS_HOURLY_BUDGET_PER_COUNTRY: '1000',
        PARTNER_REQUESTS_PER_SECOND: '10',
      });
    }
  });

  it("gives the message settings to deliverCode alone, the stage's own (none from the shell, no brand by default)", () => {
    for (const [template, brand] of [
      [t(), undefined],
      [withSentinels.template, 'Acme Cloud'],
    ] as const) {
      const fns = Object.fromEntries(
        resources('AWS::Lambda::Function', template).map(([, r]) => [
          String(r.Properties!.FunctionName).replace(`verigate-${STAGE}-`, ''),
          ((r.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {}) as Record<string, unknown>,
        ]),
      );
      for (const [op, vars] of Object.entries(fns)) {
        if (op === 'deliverCode') continue;
        for (const name of ['MESSAGE_BRAND', 'MESSAGE_TEMPLATES', 'WEBOTP_DOMAIN', 'SMS_MAX_PARTS']) expect(vars, op).not.toHaveProperty(name);
      }
      const deliver = fns.deliverCode!;
      // Without a brand deliverCode refuses to start (shared/messages): a stage ships no one else's name.
      expect(deliver.MESSAGE_BRAND).toBe(brand);
      expect(deliver).not.toHaveProperty('WEBOTP_DOMAIN');
      expect(deliver).toMatchObject({ SMS_MAX_PARTS: '1', MESSAGE_TEMPLATES: '' });
    }
  });

  it('wires every operation of shared/operations.ts to its function and route', () => {
    const fns = functionsByOperation();
    expect(Object.keys(fns).sort()).toEqual([...operations].sort());
    for (const op of Object.values(OPERATIONS)) {
      expect(fns[op.name]!.resource.Properties!.Handler).toBe(DEPLOYMENT[op.name].handler);
      expect(fns[op.name]!.resource.Properties!.FunctionName).toBe(functionName(STAGE, op.name));
    }
    const routeKeys = Object.keys(routeMethods());
    expect(routeKeys.sort()).toEqual(
      Object.values(OPERATIONS)
        .flatMap((o) => (o.trigger === 'http' ? [`${o.route.method} ${o.route.path}`] : []))
        .sort(),
    );
  });
});

describe('the template and the declaration of the operations (shared/operations.ts)', () => {
  const declared = Object.keys(OPERATIONS) as OperationName[];
  const routeKey = (o: (typeof HTTP_OPERATIONS)[number]) => `${o.route.method} ${o.route.path}`;
  const routesIn = (template = t()) => routeMethods(template);
  const routeSettingsIn = (template = t()): Record<string, Throttle> =>
    Object.fromEntries(Object.entries(methodSettingsIn(template)).flatMap(([key, s]) => (key === '* *' ? [] : [[key, throttleOf(s)]])));
  const declaredThrottle = (o: (typeof HTTP_OPERATIONS)[number]): Throttle => {
    const { rate, burst } = DEPLOYMENT[o.name].throttle;
    return { ThrottlingRateLimit: rate, ThrottlingBurstLimit: burst };
  };

  it('synthesizes a function for every declared operation, with its handler, its own role and its timeout, and nothing undeclared', () => {
    const fns = functionsByOperation();
    expect(Object.keys(fns).sort()).toEqual([...declared].sort());
    const roleIds = declared.map((op) => `${op.charAt(0).toUpperCase()}${op.slice(1)}Role`);
    for (const [i, op] of declared.entries()) {
      const p = fns[op]!.resource.Properties!;
      expect(p.Handler, op).toBe(DEPLOYMENT[op].handler);
      expect(p.Role, op).toEqual({ 'Fn::GetAtt': [roleIds[i], 'Arn'] });
      expect(p.Timeout, op).toBe(((DEPLOYMENT[op] as { timeoutMs?: number }).timeoutMs ?? FUNCTION_TIMEOUT_MS) / 1000);
    }
    expect(
      resources('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual(roleIds.sort());
  });

  it('synthesizes a route for every declared HTTP operation, and no other', () => {
    expect(Object.keys(routesIn()).sort()).toEqual(HTTP_OPERATIONS.map(routeKey).sort());
  });

  it('gives every declared route its declared throttle after the route exists, and sets no other route', () => {
    const settings = routeSettingsIn();
    expect(Object.keys(settings).sort()).toEqual(HTTP_OPERATIONS.map(routeKey).sort());
    for (const o of HTTP_OPERATIONS) expect(settings[routeKey(o)], o.name).toEqual(declaredThrottle(o));
    // The stage serves the one deployment, which is made after every route's method.
    const [[deploymentId, deployment]] = resources('AWS::ApiGateway::Deployment') as [[string, CfnResource]];
    expect(resources('AWS::ApiGateway::Deployment')).toHaveLength(1);
    expect(resource('ApiGatewayStage').Properties!.DeploymentId).toEqual({ Ref: deploymentId });
    const dependsOn = list(deployment.DependsOn);
    for (const id of dependsOn) expect(t().Resources[id], id).toBeDefined();
    expect(dependsOn.filter((id) => resource(id).Properties!.HttpMethod === 'POST').sort()).toEqual(Object.values(routesIn()).sort());
  });

  it('reserves the declared concurrency, and none for a function that declares none', () => {
    const fns = functionsByOperation();
    for (const op of declared)
      expect(fns[op]!.resource.Properties!.ReservedConcurrentExecutions, op).toBe(
        (DEPLOYMENT[op] as { reservedConcurrency?: number }).reservedConcurrency,
      );
  });

  it("takes a route's throttle and a function's reserved concurrency from the stage's parameters when it gives them", () => {
    const given = withSentinels.template;
    const settings = routeSettingsIn(given);
    for (const o of HTTP_OPERATIONS)
      expect(settings[routeKey(o)], o.name).toEqual(
        o.name === 'sendVerificationCode'
          ? { ThrottlingRateLimit: GIVEN_PARAMS.sendRateLimit, ThrottlingBurstLimit: GIVEN_PARAMS.sendBurstLimit }
          : declaredThrottle(o),
      );
    expect(functionsByOperation(given).sendVerificationCode!.resource.Properties!.ReservedConcurrentExecutions).toBe(
      GIVEN_PARAMS.sendReservedConcurrency,
    );
  });

  it.each(declared)('lets %s read the parameters of the secrets it declares, and no other', (op) => {
    const granted = roleOf(op)
      .statements.filter((s) => list(s.Action).includes('ssm:GetParameters'))
      .flatMap((s) => list(s.Resource).map(render));
    expect(granted.sort()).toEqual(
      OPERATIONS[op].secrets
        .map((name) => `arn:aws:ssm:ap-southeast-1:123456789012:parameter${parameterName(`/verigate/${STAGE}`, name)}`)
        .sort(),
    );
  });
});

describe('least privilege', () => {
  it('gives every function a role of its own, with inline statements only', () => {
    const roleIds = operations.map((op) => roleOf(op).id);
    expect(new Set(roleIds).size).toBe(operations.length);
    expect(
      resources('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual([...roleIds].sort());
    for (const op of operations) {
      const { role } = roleOf(op);
      expect(role.Properties!.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties!.AssumeRolePolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ]);
    }
  });

  it.each(operations)('grants %s exactly the DynamoDB item actions its code calls, on the keys it uses', (op) => {
    const granted: string[] = [];
    const itemStatements = roleOf(op).statements.filter(
      (s) => list(s.Action).some((a) => a.startsWith('dynamodb:')) && !list(s.Action).some((a) => STREAM_READ_ACTIONS.includes(a)),
    );
    for (const s of itemStatements) {
      expect(s.Effect).toBe('Allow');
      // The table itself: no index, no other table, no wildcard.
      expect(s.Resource).toEqual({ 'Fn::GetAtt': ['VerigateTable', 'Arn'] });
      expect(Object.keys(s.Condition ?? {})).toEqual(['ForAllValues:StringLike']);
      const leadingKeys = s.Condition!['ForAllValues:StringLike']!['dynamodb:LeadingKeys'] ?? [];
      for (const key of leadingKeys) expect(key).toMatch(/^[A-Z]+#\*$/);
      for (const action of list(s.Action)) granted.push(...leadingKeys.map((k) => `${action.replace('dynamodb:', '')} ${k.slice(0, -1)}`));
    }
    expect(granted.sort()).toEqual(expectedCalls(op));
  });

  it.each(operations)(
    'allows %s nothing beyond its logs, its table items, its own queue, and (stream consumers) the stream, its on-failure queue and delivery or the bus',
    (op) => {
      const expected = [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        ...Object.keys(dynamodbCalls(op)).map((a) => `dynamodb:${a}`),
        ...(SECRET_PARAMETERS[op].length ? ['ssm:GetParameters'] : []),
        ...(EVENT_FUNCTIONS[op] ? ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] : []),
        ...(DELIVERS_CODES.includes(op) ? DELIVERY_ACTIONS : []),
        ...(PUBLISHES_LIFECYCLE.includes(op) ? LIFECYCLE_ACTIONS : []),
        ...(STREAM_CONSUMERS.includes(op) ? [...STREAM_READ_ACTIONS, 'sqs:SendMessage'] : []),
        ...(RECORDS_RECEIPTS.includes(op) ? ['sqs:SendMessage'] : []),
      ];
      const { statements } = roleOf(op);
      expect([...actionsOf(statements, 'Allow')].sort()).toEqual(expected.sort());

      const own = functionsByOperation()[op]!.id.replace(/LambdaFunction$/, '');
      for (const s of statements.filter((s) => list(s.Action).some((a) => a.startsWith('logs:'))))
        for (const arn of list(s.Resource).map(render))
          expect(arn).toMatch(new RegExp(`^arn:aws:logs:ap-southeast-1:123456789012:log-group:<${own}LogGroup>:`));
      for (const s of statements.filter((s) => list(s.Action).some((a) => a.startsWith('sqs:'))))
        expect(list(s.Resource).map(render)).toEqual([
          STREAM_CONSUMERS.includes(op) || RECORDS_RECEIPTS.includes(op) ? `<${own}DLQ.Arn>` : `<${own}Queue.Arn>`,
        ]);
    },
  );

  it.each(operations)('lets %s read only its own secrets', (op) => {
    const read = roleOf(op).statements.filter((s) => list(s.Action).some((a) => a.startsWith('ssm:')));
    // A function that holds no secret reads no parameter at all.
    expect(read.map((s) => s.Effect)).toEqual(SECRET_PARAMETERS[op].length ? ['Allow'] : []);
    if (!SECRET_PARAMETERS[op].length) return;
    expect(list(read[0]!.Resource).map(render).sort()).toEqual(
      SECRET_PARAMETERS[op].map((name) => `arn:aws:ssm:ap-southeast-1:123456789012:parameter/verigate/${STAGE}/${name}`).sort(),
    );
  });

  it("lets deliverCode send SMS and voice only through the stage's configuration set, protect configuration and origination identities", () => {
    const sms = 'arn:aws:sms-voice:ap-southeast-1:123456789012';
    const grants = (template: CfnTemplate, action: string) => {
      const fn = functionsByOperation(template).deliverCode!.resource;
      const role = resource(fn.Properties!.Role['Fn::GetAtt'][0], template);
      const statements = (role.Properties!.Policies as Array<{ PolicyDocument: { Statement: Statement[] } }>).flatMap((p) => p.PolicyDocument.Statement);
      const granted = statements.filter((s) => list(s.Action).includes(action));
      expect(granted.map((s) => s.Effect)).toEqual(['Allow']);
      return list(granted[0]!.Resource).map(render).sort();
    };
    const shared = [`${sms}:configuration-set/verigate-prod`, '<SmsProtectConfiguration.Arn>', `${sms}:opt-out-list/*`];
    // Without identities given, only the configuration set and the protect configuration.
    expect(grants(t(), 'sms-voice:SendTextMessage')).toEqual([...shared].sort());
    expect(grants(t(), 'sms-voice:SendVoiceMessage')).toEqual([...shared].sort());
    // With the stage's identities, exactly those: a pool, a sender id (registered per country), a phone number.
    expect(grants(withSentinels.template, 'sms-voice:SendTextMessage')).toEqual(
      [...shared, `${sms}:pool/pool-0a1b2c`, `${sms}:sender-id/VERIGATE/*`].sort(),
    );
    expect(grants(withSentinels.template, 'sms-voice:SendVoiceMessage')).toEqual([...shared, `${sms}:phone-number/phone-9f8e7d`].sort());
    for (const op of operations.filter((o) => !DELIVERS_CODES.includes(o)))
      for (const action of DELIVERY_ACTIONS) expect(actionsOf(roleOf(op).statements, 'Allow'), op).not.toContain(action);
  });

  it('gives no function sns:Publish: codes no longer go through SNS', () => {
    for (const op of operations) expect(actionsOf(roleOf(op).statements, 'Allow'), op).not.toContain('sns:Publish');
  });

  it('lets deliverCode send email only as the sender identity given by the stage, through its configuration set', () => {
    const email = roleOf('deliverCode').statements.filter((s) => list(s.Action).includes('ses:SendEmail'));
    expect(email.map((s) => s.Effect)).toEqual(['Allow']);
    expect(list(email[0]!.Resource).map(render)).toEqual([
      'arn:aws:ses:ap-southeast-1:123456789012:identity/example.invalid',
      'arn:aws:ses:ap-southeast-1:123456789012:configuration-set/verigate-prod',
    ]);
  });

  it.each(STREAM_CONSUMERS)("lets %s read the table's stream only, and write only to its on-failure queue", (consumer) => {
    const { statements } = roleOf(consumer);
    const reads = statements.filter((s) => list(s.Action).some((a) => STREAM_READ_ACTIONS.includes(a)));
    expect(reads.flatMap((s) => list(s.Action)).sort()).toEqual([...STREAM_READ_ACTIONS].sort());
    for (const s of reads)
      expect(list(s.Resource).map(render)).toEqual([expect.stringMatching(/^<VerigateTable\.(StreamArn>|Arn>\/stream\/\*)$/)]);
    for (const op of operations.filter((o) => !STREAM_CONSUMERS.includes(o)))
      expect(
        actionsOf(roleOf(op).statements, 'Allow').filter((a) => STREAM_READ_ACTIONS.includes(a)),
        op,
      ).toEqual([]);
  });

  it('holds no wildcard action, and no resource "*"', () => {
    for (const op of operations)
      for (const s of roleOf(op).statements) {
        for (const action of list(s.Action)) expect(action).not.toContain('*');
        if (s.Effect === 'Allow') expect(list(s.Resource).map(render)).not.toContain('*');
      }
  });
});

describe('browsers (CORS)', () => {
  const PAGE = 'http://localhost:5173';
  const STRANGER = 'https://evil.example.com';
  /** The request headers each route reads (a preflight asks for those its page sends). */
  const HEADERS_PER_ROUTE: Record<HttpOperationName, string[]> = {
    checkIdentity: ['content-type', 'x-request-id', 'accept-language', 'x-auth-token', 'authorization', 'x-sdk-date'],
    sendVerificationCode: ['content-type', 'x-request-id', 'accept-language'],
    verifyVerificationCode: ['content-type', 'x-request-id', 'accept-language', 'x-access-token'],
  };
  const given = () => withSentinels.template;
  /** What an OPTIONS method answers: its headers' values (quoted literals unquoted) and its response template. */
  function preflightAnswer(op: HttpOperationName) {
    const id = preflightMethods(given())[`OPTIONS ${OPERATIONS[op].route.path}`];
    expect(id, op).toBeDefined();
    const method = resource(id!, given()).Properties!;
    expect(method.AuthorizationType).toBe('NONE');
    expect(method.Integration.Type).toBe('MOCK');
    const [response] = method.Integration.IntegrationResponses as Array<Record<string, any>>;
    const headers = Object.fromEntries(
      Object.entries(response!.ResponseParameters as Record<string, string>).map(([k, v]) => [
        k.replace('method.response.header.', '').toLowerCase(),
        v.replace(/^'|'$/g, ''),
      ]),
    );
    return { headers, template: response!.ResponseTemplates['application/json'] as string };
  }
  /** The origin an OPTIONS method grants a preflight from `origin`: its template's Java regexes, matched whole, else the static header. */
  function grantedBy(op: HttpOperationName, origin: string): string {
    const { headers, template } = preflightAnswer(op);
    const patterns = [...template.matchAll(/\$origin\.matches\("([^"]+)"\)/g)].map((m) => new RegExp(`^(?:${m[1]})$`));
    expect(patterns.length).toBeGreaterThan(0);
    return patterns.some((p) => p.test(origin)) ? origin : headers['access-control-allow-origin']!;
  }

  it.each(HTTP_OPERATIONS.map((o) => o.name))(
    'answers the preflight of %s with POST and the headers the route reads, for a page the stage lists',
    (op) => {
      const { headers } = preflightAnswer(op);
      expect(headers['access-control-allow-methods']!.split(',').sort()).toEqual(['OPTIONS', 'POST']);
      const allowed = headers['access-control-allow-headers']!.split(',').map((h) => h.toLowerCase());
      expect(allowed.sort()).toEqual(HEADERS_THE_API_READS.map((h) => h.toLowerCase()).sort());
      expect(allowed).toEqual(expect.arrayContaining(HEADERS_PER_ROUTE[op]));
      expect(headers['access-control-allow-credentials']).toBeUndefined();
      expect(Number(headers['access-control-max-age'])).toBeGreaterThan(0);
      expect(grantedBy(op, PAGE)).toBe(PAGE);
      // `https://*`: any https origin.
      expect(grantedBy(op, 'https://signup.partner.example')).toBe('https://signup.partner.example');
    },
  );

  it('does not grant an origin the stage does not list, and never "*"', () => {
    const listed = withSentinels.template;
    expect(listed).toBeDefined();
    for (const o of HTTP_OPERATIONS) {
      for (const stranger of ['http://evil.example.com', 'http://localhost:5174']) expect(grantedBy(o.name, stranger)).not.toBe(stranger);
      expect(preflightAnswer(o.name).headers['access-control-allow-origin']).not.toBe('*');
    }
    expect(grantedBy('sendVerificationCode', STRANGER)).toBe(STRANGER); // https://* lists every https origin
  });

  it('gives the functions the same origins for their own answers, which name the page and let it read X-Request-Id and Retry-After', () => {
    for (const o of HTTP_OPERATIONS) {
      const vars = functionsByOperation(given())[o.name]!.resource.Properties!.Environment.Variables as Record<string, string>;
      expect(vars.CORS_ALLOWED_ORIGINS, o.name).toBe(GIVEN_PARAMS.corsAllowedOrigins);
    }
    // (the headers themselves: test/unit/middleware/family-response.test.ts and test/e2e/cors.e2e.test.ts)
  });

  it('allows no origin in prod until the stage lists its partner pages, and never "*"', () => {
    expect(preflightMethods()).toEqual({});
    for (const o of HTTP_OPERATIONS)
      expect((functionsByOperation()[o.name]!.resource.Properties!.Environment.Variables as Record<string, string>).CORS_ALLOWED_ORIGINS).toBe('');
  });
});

describe('throttling', () => {
  const settings = (template = t()) => methodSettingsIn(template);

  it('throttles every method of the stage by default (the preflights), and keeps no execution log', () => {
    const d = settings()['* *']!;
    expect(d.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(d.ThrottlingBurstLimit).toBeGreaterThanOrEqual(d.ThrottlingRateLimit);
    expect(throttleOf(d)).toEqual({ ThrottlingRateLimit: EDGE.stageThrottle.rate, ThrottlingBurstLimit: EDGE.stageThrottle.burst });
    for (const s of Object.values(settings())) expect(s).toMatchObject({ LoggingLevel: 'OFF', DataTraceEnabled: false });
  });

  it('gives each route its own limits, the unauthenticated send route the lowest', () => {
    const routes = routeMethods();
    const perRoute = Object.fromEntries(Object.entries(settings()).filter(([key]) => key !== '* *'));
    expect(Object.keys(perRoute).sort()).toEqual(Object.keys(routes).sort());
    const send = perRoute[`POST ${OPERATIONS.sendVerificationCode.route.path}`]!;
    for (const s of Object.values(perRoute)) {
      expect(s.ThrottlingRateLimit).toBeGreaterThan(0);
      expect(s.ThrottlingRateLimit).toBeLessThanOrEqual(settings()['* *']!.ThrottlingRateLimit);
      expect(send.ThrottlingRateLimit).toBeLessThanOrEqual(s.ThrottlingRateLimit);
    }
  });

  it('reserves (and so caps) the concurrency of sendVerificationCode', () => {
    const reserved = functionsByOperation().sendVerificationCode!.resource.Properties!.ReservedConcurrentExecutions;
    expect(Number.isInteger(reserved) && reserved > 0).toBe(true);
  });

  it('reserves each HTTP function its own concurrency, so a flood of one route cannot take what another needs', () => {
    for (const o of HTTP_OPERATIONS) {
      const reserved = functionsByOperation()[o.name]!.resource.Properties!.ReservedConcurrentExecutions;
      expect(reserved, o.name).toBe(DEPLOYMENT[o.name].reservedConcurrency);
      expect(Number.isInteger(reserved) && reserved > 0, o.name).toBe(true);
    }
  });
});

describe('alarms', () => {
  const alarms = (template = t()) => resources('AWS::CloudWatch::Alarm', template).map(([, r]) => r.Properties!);
  const find = (namespace: string, metric: string, dimensions: unknown, template = t()) =>
    alarms(template).filter(
      (a) => a.Namespace === namespace && a.MetricName === metric && JSON.stringify(a.Dimensions) === JSON.stringify(dimensions),
    );

  it.each(operations)('watches errors and throttles of %s', (op) => {
    const dimensions = [{ Name: 'FunctionName', Value: { Ref: functionsByOperation()[op]!.id } }];
    expect(find('AWS/Lambda', 'Errors', dimensions)).toHaveLength(1);
    expect(find('AWS/Lambda', 'Throttles', dimensions)).toHaveLength(1);
  });

  it('watches 5xx answers of the REST API stage', () => {
    expect(
      find('AWS/ApiGateway', '5XXError', [
        { Name: 'ApiName', Value: `verigate-${STAGE}` },
        { Name: 'Stage', Value: STAGE },
      ]),
    ).toHaveLength(1);
    expect(resource('ApiGatewayRestApi').Properties!.Name).toBe(`verigate-${STAGE}`);
  });

  it.each(HTTP_OPERATIONS.map((o) => o.name))('warns when %s runs at four fifths of its reserved concurrency', (op) => {
    const fn = functionsByOperation()[op]!;
    const [a, ...more] = find('AWS/Lambda', 'ConcurrentExecutions', [{ Name: 'FunctionName', Value: { Ref: fn.id } }]);
    expect(more).toEqual([]);
    expect(a).toMatchObject({ Statistic: 'Maximum', Threshold: Math.ceil(0.8 * fn.resource.Properties!.ReservedConcurrentExecutions) });
    expect(a!.Threshold).toBeLessThan(fn.resource.Properties!.ReservedConcurrentExecutions);
    const given = functionsByOperation(withSentinels.template).sendVerificationCode!;
    expect(
      find('AWS/Lambda', 'ConcurrentExecutions', [{ Name: 'FunctionName', Value: { Ref: given.id } }], withSentinels.template)[0]!.Threshold,
    ).toBe(Math.ceil(0.8 * GIVEN_PARAMS.sendReservedConcurrency));
  });

  it("watches how late deliverCode reads the table's stream", () => {
    const [a] = find('AWS/Lambda', 'IteratorAge', [{ Name: 'FunctionName', Value: { Ref: functionsByOperation().deliverCode!.id } }]);
    expect(a).toMatchObject({ Statistic: 'Maximum' });
    expect(a!.Threshold).toBeGreaterThan(0);
  });

  it('watches DynamoDB throttles and server errors of every operation the functions call, conflicts, and throttle events of the table and its index', () => {
    const table = { Name: 'TableName', Value: { Ref: 'VerigateTable' } };
    const called = new Set(['TransactWriteItems', ...operations.flatMap((op) => Object.keys(dynamodbCalls(op)))]);
    called.delete('ConditionCheckItem');
    for (const operation of called)
      for (const metric of ['ThrottledRequests', 'SystemErrors'])
        expect(find('AWS/DynamoDB', metric, [table, { Name: 'Operation', Value: operation }]), `${metric} ${operation}`).toHaveLength(1);
    expect(find('AWS/DynamoDB', 'TransactionConflict', [table])).toHaveLength(1);
    for (const metric of ['ReadThrottleEvents', 'WriteThrottleEvents']) {
      expect(find('AWS/DynamoDB', metric, [table])).toHaveLength(1);
      expect(find('AWS/DynamoDB', metric, [table, { Name: 'GlobalSecondaryIndexName', Value: 'gsi1' }])).toHaveLength(1);
    }
  });

  it("watches a surge of requests blocked by each of the web ACL's refusing rules", () => {
    const refusing = (resource('WebAcl').Properties!.Rules as Array<Record<string, any>>).filter((r) => r.Action?.Block);
    for (const r of refusing)
      expect(
        find('AWS/WAFV2', 'BlockedRequests', [
          { Name: 'WebACL', Value: `verigate-${STAGE}` },
          { Name: 'Region', Value: { Ref: 'AWS::Region' } },
          { Name: 'Rule', Value: r.VisibilityConfig.MetricName },
        ]),
        r.Name,
      ).toHaveLength(1);
  });

  it('says in every alarm what it means', () => {
    for (const a of alarms()) expect(String(a.AlarmDescription).length, a.AlarmName).toBeGreaterThan(40);
  });

  it('watches the depth of every DLQ and every failed event delivery', () => {
    const dlqs = resources('AWS::SQS::Queue').flatMap(([, q]) =>
      q.Properties!.RedrivePolicy ? [q.Properties!.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0]] : [],
    );
    expect(dlqs).toHaveLength(Object.keys(EVENT_FUNCTIONS).length);
    for (const dlq of dlqs)
      expect(
        find('AWS/SQS', 'ApproximateNumberOfMessagesVisible', [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }]),
      ).toHaveLength(1);
    for (const [rule] of resources('AWS::Events::Rule'))
      for (const metric of ['FailedInvocations', 'InvocationsFailedToBeSentToDlq'])
        expect(find('AWS/Events', metric, [{ Name: 'RuleName', Value: { Ref: rule } }])).toHaveLength(1);
  });

  it("watches the service's own metrics: delivery failures, server errors, auth-failure and throttling spikes, codes sent", async () => {
    const service = alarms().filter((a) => a.Namespace === 'verigate');
    for (const a of service) expect(a.Dimensions).toEqual([{ Name: 'service', Value: 'verigate' }]);
    const watched = service.map((a) => a.MetricName as string);
    expect(watched).toEqual(expect.arrayContaining(['DeliveryFailures', 'ServerErrors', 'AuthFailures', 'Throttled', 'CodesSent']));
    // An alarm on a name the code never emits would never fire.
    const emitted = (await repoFile('shared/observability.ts')).match(/export type MetricName =([^;]+);/)![1]!.match(/'([A-Za-z]+)'/g)!;
    expect(emitted.map((n) => n.slice(1, -1))).toEqual(expect.arrayContaining(watched));
  });

  it('notifies the stack alarm topic when alarming and when clearing, or the topic the stage gives', () => {
    expect(resource('AlarmTopic').Type).toBe('AWS::SNS::Topic');
    expect(t().Outputs!.AlarmTopicArn!.Value).toEqual({ Ref: 'AlarmTopic' });
    for (const a of alarms()) {
      expect(a.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
      expect(a.OKActions).toEqual([{ Ref: 'AlarmTopic' }]);
    }
    const given = withSentinels.template;
    expect(given.Resources.AlarmTopic).toBeUndefined();
    expect(alarms(given).length).toBe(alarms().length);
    for (const a of alarms(given)) expect([...a.AlarmActions, ...a.OKActions].map(render)).toEqual([GIVEN_ALARM_TOPIC, GIVEN_ALARM_TOPIC]);
  });
});

describe('the edge: a REST API stage behind a regional web ACL', () => {
  type Rule = Record<string, any> & { Name: string; Priority: number };
  const acl = (template = t()) => resource('WebAcl', template).Properties!;
  const rules = (template = t()) => (acl(template).Rules as Rule[]).slice().sort((a, b) => a.Priority - b.Priority);
  const rule = (name: string, template = t()) => {
    const r = rules(template).find((x) => x.Name === name);
    if (!r) throw new Error(`no rule ${name}`);
    return r;
  };
  /** The route paths a statement is scoped to (its path matches, wherever they are nested). */
  const pathsOf = (statement: unknown): string[] =>
    JSON.stringify(statement).match(/"SearchString":"([^"]+)"/g)?.map((m) => m.slice('"SearchString":"'.length, -1)) ?? [];
  const window = EDGE.wafWindowSeconds;

  it('serves the routes from one regional REST API stage, the very paths of the contract', () => {
    expect(resource('ApiGatewayRestApi').Properties!.EndpointConfiguration).toEqual({ Types: ['REGIONAL'] });
    expect(resources('AWS::ApiGateway::Stage')).toHaveLength(1);
    expect(resource('ApiGatewayStage').Properties).toMatchObject({ RestApiId: { Ref: 'ApiGatewayRestApi' }, StageName: STAGE });
    // The deployment creates no stage of its own, which would be a second way in without the web ACL.
    const [[, deployment]] = resources('AWS::ApiGateway::Deployment') as [[string, CfnResource]];
    expect(deployment.Properties!.StageName).toBeUndefined();
    expect(Object.keys(routeMethods()).sort()).toEqual(HTTP_OPERATIONS.map((o) => `POST ${o.route.path}`).sort());
    for (const id of Object.values(routeMethods())) {
      const integration = resource(id).Properties!.Integration;
      expect(integration.Type, id).toBe('AWS_PROXY');
      expect(resource(id).Properties!.AuthorizationType, id).toBe('NONE');
    }
  });

  it('associates a REGIONAL web ACL with that stage, allowing by default what no rule refuses', () => {
    const a = acl();
    expect(a.Scope).toBe('REGIONAL');
    expect(a.DefaultAction).toEqual({ Allow: {} });
    const [[, association], ...more] = resources('AWS::WAFv2::WebACLAssociation') as [[string, CfnResource]];
    expect(more).toEqual([]);
    expect(association.Properties!.WebACLArn).toEqual({ 'Fn::GetAtt': ['WebAcl', 'Arn'] });
    const [pattern, vars] = association.Properties!.ResourceArn['Fn::Sub'] as [string, Record<string, unknown>];
    expect(pattern.replace('${Api}', render(vars.Api)).replace(/\$\{([^}]+)\}/g, (_, n: string) => render({ Ref: n }))).toBe(
      `arn:aws:apigateway:ap-southeast-1::/restapis/<ApiGatewayRestApi>/stages/${STAGE}`,
    );
    expect(list(association.DependsOn)).toContain('ApiGatewayStage');
  });

  it("counts sources on AWS's IP reputation lists and answers them 403 in each route's family", () => {
    const reputation = rule('ip-reputation');
    expect(reputation.Statement).toEqual({ ManagedRuleGroupStatement: { VendorName: 'AWS', Name: 'AWSManagedRulesAmazonIpReputationList' } });
    expect(reputation.OverrideAction).toEqual({ Count: {} });
    for (const o of HTTP_OPERATIONS) {
      const r = rule(`${o.name}-ip-reputation`);
      expect(r.Priority).toBeGreaterThan(reputation.Priority);
      expect(JSON.stringify(r.Statement)).toContain('awswaf:managed:aws:amazon-ip-list:AWSManagedIPReputationList');
      expect(pathsOf(r.Statement)).toEqual([o.route.path]);
      expect(r.Action.Block.CustomResponse.ResponseCode).toBe(403);
    }
  });

  it('limits every source address over all routes, answering each route in its family', () => {
    const ipRate = rule('ip-rate');
    expect(ipRate.Statement.RateBasedStatement).toEqual({ Limit: EDGE.sourceIpRate, EvaluationWindowSec: window, AggregateKeyType: 'IP' });
    expect(ipRate.Action).toEqual({ Count: {} });
    const label = ipRate.RuleLabels[0].Name as string;
    for (const o of HTTP_OPERATIONS) {
      const r = rule(`${o.name}-over-ip-rate`);
      expect(r.Priority).toBeGreaterThan(ipRate.Priority);
      expect(JSON.stringify(r.Statement)).toContain(`"Key":"${label}"`);
      expect(pathsOf(r.Statement)).toEqual([o.route.path]);
      expect(r.Action.Block.CustomResponse.ResponseCode).toBe(429);
    }
  });

  it("limits each source address on send's path more strictly: past it, it is past its hourly send cap anyway", () => {
    const send = rule('sendVerificationCode-ip-rate').Statement.RateBasedStatement;
    expect(send).toMatchObject({ Limit: SEND_PER_SOURCE_IP.limit, EvaluationWindowSec: window, AggregateKeyType: 'IP' });
    expect(send.Limit).toBeLessThan(rule('ip-rate').Statement.RateBasedStatement.Limit);
    expect(pathsOf(send.ScopeDownStatement)).toEqual([OPERATIONS.sendVerificationCode.route.path]);
  });

  it("limits each partner token on check-identity's path at its flow-control rate over the window", () => {
    const token = rule('checkIdentity-token-rate').Statement.RateBasedStatement;
    expect(token).toMatchObject({
      Limit: PARTNER_REQUESTS_PER_SECOND.default * window,
      EvaluationWindowSec: window,
      AggregateKeyType: 'CUSTOM_KEYS',
      CustomKeys: [{ Header: { Name: 'x-auth-token', TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
    });
    expect(pathsOf(token.ScopeDownStatement)).toEqual([OPERATIONS.checkIdentity.route.path]);
    expect(rule('checkIdentity-token-rate').Action.Block.CustomResponse.CustomResponseBodyKey).toBe('CBC_0250');
  });

  it('matches a route however its path is escaped or prefixed by the stage', () => {
    const matches = rules().flatMap((r) => (JSON.stringify(r).match(/"ByteMatchStatement":\{[^}]*\}[^\]]*\]/g) ?? []).map((m) => ({ r, m })));
    // Every rule but the two that count for all routes is scoped to a path.
    expect(matches.length).toBe(rules().length - 2);
    for (const { r, m } of matches) {
      expect(m, r.Name).toContain('"FieldToMatch":{"UriPath":{}}');
      expect(m, r.Name).toContain('"PositionalConstraint":"CONTAINS"');
      expect(m, r.Name).toContain('"Type":"URL_DECODE"');
      expect(m, r.Name).toContain('"Type":"NORMALIZE_PATH"');
    }
  });

  it("answers every refusal with a JSON body of the route's family, and Retry-After the window for a rate", () => {
    const bodies = acl().CustomResponseBodies as Record<string, { ContentType: string; Content: string }>;
    const refusing = rules().filter((r) => r.Action?.Block);
    // Per route: a listed source, a source over the all-routes rate; and send's source rate, check-identity's token rate.
    expect(refusing.length).toBe(HTTP_OPERATIONS.length * 2 + 2);
    for (const r of refusing) {
      const response = r.Action.Block.CustomResponse;
      const body = bodies[response.CustomResponseBodyKey];
      expect(body, r.Name).toBeDefined();
      expect(body!.ContentType).toBe('APPLICATION_JSON');
      const json = JSON.parse(body!.Content) as { error_code: ErrorCode };
      const spec = ERROR_CODES[json.error_code];
      expect(spec.status, r.Name).toBe(response.ResponseCode);
      const op = HTTP_OPERATIONS.find((o) => pathsOf(r.Statement).includes(o.route.path))!;
      expect(spec.family, r.Name).toBe(op.family);
      expect((op.family === 'USG' ? UsgErrorBody : CbcErrorBody).safeParse(json).success, r.Name).toBe(true);
      if (response.ResponseCode === 429) {
        expect(response.ResponseHeaders, r.Name).toEqual([{ Name: 'Retry-After', Value: String(window) }]);
        if (op.family === 'USG') expect(json).toMatchObject({ retry_after: window });
      }
    }
  });

  it('keeps metrics and sampled requests of every rule, and no WAF log', () => {
    expect(acl().VisibilityConfig).toMatchObject({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true });
    for (const r of rules()) expect(r.VisibilityConfig, r.Name).toMatchObject({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true });
    expect(new Set(rules().map((r) => r.VisibilityConfig.MetricName)).size).toBe(rules().length);
    expect(resources('AWS::WAFv2::LoggingConfiguration')).toEqual([]);
  });

  it("takes the web ACL's limits from the stage's parameters when it gives them", () => {
    const given = withSentinels.template;
    expect(rule('ip-rate', given).Statement.RateBasedStatement.Limit).toBe(GIVEN_PARAMS.wafIpRateLimit);
    expect(rule('sendVerificationCode-ip-rate', given).Statement.RateBasedStatement.Limit).toBe(GIVEN_PARAMS.sendIpRateLimit);
    expect(rule('checkIdentity-token-rate', given).Statement.RateBasedStatement.Limit).toBe(GIVEN_PARAMS.checkIdentityTokenRateLimit);
  });
});

describe('capacity as parameters', () => {
  const deliverMapping = (template = t()) =>
    resources('AWS::Lambda::EventSourceMapping', template).find(
      ([, m]) => m.Properties!.FunctionName['Fn::GetAtt'][0] === functionsByOperation(template).deliverCode!.id,
    )![1].Properties!;

  it("reads deliverCode's stream in batches, several at once per shard, as declared or as the stage gives", () => {
    expect(deliverMapping()).toMatchObject({
      BatchSize: DEPLOYMENT.deliverCode.stream.batchSize,
      ParallelizationFactor: DEPLOYMENT.deliverCode.stream.parallelizationFactor,
    });
    expect(deliverMapping(withSentinels.template)).toMatchObject({
      BatchSize: GIVEN_PARAMS.deliveryBatchSize,
      ParallelizationFactor: GIVEN_PARAMS.deliveryParallelizationFactor,
    });
  });

  it("leaves the table's on-demand throughput unbounded unless the stage sets a maximum", () => {
    expect(resource('VerigateTable').Properties!.OnDemandThroughput).toBeUndefined();
    expect(resource('VerigateTable', withSentinels.template).Properties!.OnDemandThroughput).toEqual({
      MaxWriteRequestUnits: GIVEN_PARAMS.tableMaxWriteRequestUnits,
    });
  });
});

describe('customer events', () => {
  it('reach no function directly: every rule targets an SQS queue', () => {
    const lambdaPermissions = resources('AWS::Lambda::Permission').map(([, p]) => p.Properties!.Principal);
    expect(lambdaPermissions).not.toContain('events.amazonaws.com');
    const rules = resources('AWS::Events::Rule');
    expect(rules).toHaveLength(Object.keys(EVENT_FUNCTIONS).length);
    for (const [, rule] of rules)
      for (const target of rule.Properties!.Targets) expect(resource(target.Arn['Fn::GetAtt'][0]).Type).toBe('AWS::SQS::Queue');
  });

  it.each(Object.entries(EVENT_FUNCTIONS))(
    'queue %s events with retries, a DLQ for what cannot be queued, and only its rule may send',
    (op, detailType) => {
      const mapping = resources('AWS::Lambda::EventSourceMapping').find(
        ([, m]) => m.Properties!.FunctionName['Fn::GetAtt'][0] === functionsByOperation()[op]!.id,
      );
      expect(mapping).toBeDefined();
      const queueId = mapping![1].Properties!.EventSourceArn['Fn::GetAtt'][0] as string;
      const dlqId = resource(queueId).Properties!.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string;

      const [ruleId, rule] = resources('AWS::Events::Rule').find(([, r]) => r.Properties!.Targets[0].Arn['Fn::GetAtt'][0] === queueId)!;
      expect(rule.Properties!.EventPattern).toEqual({ source: ['verigate.customers'], 'detail-type': [detailType] });
      expect(rule.Properties!.Targets).toHaveLength(1);
      const target = rule.Properties!.Targets[0];
      expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
      expect(target.RetryPolicy.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(3600);
      expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });

      const policies = resources('AWS::SQS::QueuePolicy').filter(([, p]) =>
        p.Properties!.Queues.some((q: unknown) => render(q) === `<${queueId}>`),
      );
      expect(policies).toHaveLength(1);
      const policy = policies[0]![1].Properties!;
      expect(policy.Queues.map(render).sort()).toEqual([`<${dlqId}>`, `<${queueId}>`].sort());
      expect(policy.PolicyDocument.Statement).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [ruleId, 'Arn'] } } },
        }),
      ]);
    },
  );
});

describe('delivery (delivery requests on the table stream)', () => {
  const mapping = () =>
    resources('AWS::Lambda::EventSourceMapping').find(
      ([, m]) => m.Properties!.FunctionName['Fn::GetAtt'][0] === functionsByOperation().deliverCode!.id,
    )?.[1].Properties!;

  // New and old: a lifecycle event is the difference a write made (shared/events/lifecycle.ts).
  it('streams new and old images of the table', () => {
    expect(resource('VerigateTable').Properties!.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
  });

  it('invokes deliverCode from the table stream for inserted delivery requests of a channel only, as the local poller filters', async () => {
    const m = mapping()!;
    expect(m.EventSourceArn).toEqual({ 'Fn::GetAtt': ['VerigateTable', 'StreamArn'] });
    const filters = (m.FilterCriteria.Filters as Array<{ Pattern: string }>).map((f) => JSON.parse(f.Pattern));
    expect(filters).toEqual(DELIVERY_STREAM_FILTER_PATTERNS);
    expect(filters).toEqual([
      expect.objectContaining({
        eventName: ['INSERT'],
        dynamodb: expect.objectContaining({ NewImage: { channel: { S: ['sms', 'email', 'voice'] } } }),
      }),
    ]);
  });

  it('retries a failing batch a bounded number of times, halving it, failing record by record, then describes it in a retained queue', () => {
    const m = mapping()!;
    expect(m.MaximumRetryAttempts).toBeGreaterThan(0);
    expect(m.MaximumRetryAttempts).toBeLessThanOrEqual(10);
    expect(m.BisectBatchOnFunctionError).toBe(true);
    expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    const dlq = m.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0] as string;
    expect(resource(dlq).Type).toBe('AWS::SQS::Queue');
    expect([resource(dlq).DeletionPolicy, resource(dlq).UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    const alarms = resources('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
    expect(
      alarms.filter(
        (a) =>
          a.Namespace === 'AWS/SQS' &&
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }]),
      ),
    ).toHaveLength(1);
  });
});

describe('lifecycle events (from the table stream to an EventBridge bus)', () => {
  const fn = () => functionsByOperation().publishLifecycleEvents!;
  const mapping = () =>
    resources('AWS::Lambda::EventSourceMapping').find(([, m]) => m.Properties!.FunctionName['Fn::GetAtt'][0] === fn().id)?.[1].Properties!;

  it("puts them on the stage's own bus, named for the stage, which the function is told and the outputs name", () => {
    expect(resource('LifecycleEventBus').Type).toBe('AWS::Events::EventBus');
    expect(resource('LifecycleEventBus').Properties!.Name).toBe('verigate-prod');
    expect(fn().resource.Properties!.Environment.Variables.EVENT_BUS_NAME).toEqual({ Ref: 'LifecycleEventBus' });
    expect(t().Outputs!.LifecycleEventBusArn!.Value).toEqual({ 'Fn::GetAtt': ['LifecycleEventBus', 'Arn'] });
  });

  it('reads the table stream through a mapping of its own, with its own filter (the patterns the local poller applies)', () => {
    const m = mapping()!;
    expect(m.EventSourceArn).toEqual({ 'Fn::GetAtt': ['VerigateTable', 'StreamArn'] });
    const filters = (m.FilterCriteria.Filters as Array<{ Pattern: string }>).map((f) => JSON.parse(f.Pattern));
    expect(filters).toEqual(LIFECYCLE_STREAM_FILTER_PATTERNS);
    expect(filters).not.toEqual(DELIVERY_STREAM_FILTER_PATTERNS);
  });

  it('hands a record whose event was not published back to the stream (ReportBatchItemFailures), then to a retained on-failure queue an alarm watches', () => {
    const m = mapping()!;
    expect(m.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(m.MaximumRetryAttempts).toBeGreaterThan(0);
    const dlq = m.DestinationConfig.OnFailure.Destination['Fn::GetAtt'][0] as string;
    expect(dlq).toBe('PublishLifecycleEventsDLQ');
    expect([resource(dlq).DeletionPolicy, resource(dlq).UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    const watching = resources('AWS::CloudWatch::Alarm').filter(
      ([, a]) => JSON.stringify(a.Properties!.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } }]),
    );
    expect(watching).toHaveLength(1);
  });

  it('lets it put events on that bus only, and give feedback on messages of this account and region only; no other function either', () => {
    const grants = (action: string) =>
      roleOf('publishLifecycleEvents')
        .statements.filter((s) => list(s.Action).includes(action))
        .flatMap((s) => list(s.Resource).map(render));
    expect(grants('events:PutEvents')).toEqual(['<LifecycleEventBus.Arn>']);
    expect(grants('sms-voice:PutMessageFeedback')).toEqual(['arn:aws:sms-voice:ap-southeast-1:123456789012:message/*']);
    for (const op of operations.filter((o) => !PUBLISHES_LIFECYCLE.includes(o)))
      for (const action of LIFECYCLE_ACTIONS) expect(actionsOf(roleOf(op).statements, 'Allow'), op).not.toContain(action);
  });
});

describe('the funnel: dashboard and alarms per country', () => {
  const alarms = (template = t()) => resources('AWS::CloudWatch::Alarm', template).map(([, r]) => r.Properties!);
  const ALLOWED = ['CN', 'HK', 'MO', 'TW'];

  it.each(['delivery', 'conversion'])('alarms on a falling %s rate in each allow-listed country, by metric math over the code\'s own funnel metrics', (rate) => {
    const [numerator, denominator] = rate === 'delivery' ? ['CodesDelivered', 'CodesSent'] : ['CodesVerified', 'CodesDelivered'];
    for (const country of ALLOWED) {
      const found = alarms().filter((a) => a.AlarmName === `verigate-prod-${rate}-rate-${country}`);
      expect(found, country).toHaveLength(1);
      const a = found[0]!;
      expect(a.ComparisonOperator).toBe('LessThanThreshold');
      const metrics = a.Metrics as Array<Record<string, any>>;
      expect(metrics.filter((m) => m.ReturnData)).toHaveLength(1);
      const stats = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric);
      // SMS and voice, the phone channels, in that country only, as countFunnel emits them.
      expect(stats.map((m) => [m.Namespace, m.MetricName, ...m.Dimensions.map((d: { Value: string }) => d.Value)]).sort()).toEqual(
        [numerator, denominator]
          .flatMap((metric) => ['sms', 'voice'].map((channel) => ['verigate', metric, 'verigate', channel, country]))
          .sort(),
      );
      expect(metrics.find((m) => m.ReturnData)!.Expression).toContain('100 *');
    }
    // No alarm for a country outside the allow-list.
    expect(alarms().filter((a) => String(a.AlarmName).startsWith(`verigate-prod-${rate}-rate-`))).toHaveLength(ALLOWED.length);
  });

  it("alarms on SES's bounce and complaint rates, and on End User Messaging's spend, not SNS's", () => {
    const by = (ns: string, metric: string) => alarms().filter((a) => a.Namespace === ns && a.MetricName === metric);
    expect(by('AWS/SES', 'Reputation.BounceRate')).toHaveLength(1);
    expect(by('AWS/SES', 'Reputation.ComplaintRate')).toHaveLength(1);
    expect(by('AWS/SES', 'Reputation.BounceRate')[0]!.Threshold).toBeLessThan(0.05);
    expect(by('AWS/SES', 'Reputation.ComplaintRate')[0]!.Threshold).toBeLessThan(0.001);
    expect(by('AWS/SMSVoice', 'TextMessageMonthlySpend')).toHaveLength(1);
    expect(by('AWS/SMSVoice', 'VoiceMessageMonthlySpend')).toHaveLength(1);
    expect(alarms().filter((a) => a.Namespace === 'AWS/SNS')).toEqual([]);
  });

  it('alarms on the receipts function failing', () => {
    const id = functionsByOperation().recordReceipt!.id;
    expect(alarms().filter((a) => a.MetricName === 'Errors' && JSON.stringify(a.Dimensions).includes(id))).toHaveLength(1);
  });

  it('draws one dashboard of the stage: the funnel per country and channel, rates, errors, throttles, and every alarm', async () => {
    const dashboards = resources('AWS::CloudWatch::Dashboard');
    expect(dashboards).toHaveLength(1);
    const props = dashboards[0]![1].Properties!;
    expect(props.DashboardName).toBe('verigate-prod');
    const body = JSON.parse(render(props.DashboardBody)) as { widgets: Array<{ type: string; properties: Record<string, any> }> };
    const json = JSON.stringify(body);
    for (const metric of ['CodesSent', 'CodesDelivered', 'CodesFailed', 'CodesVerified', 'TimeToHandset']) expect(json).toContain(metric);
    for (const country of ALLOWED) expect(json).toContain(`"country","${country}"`);
    expect(json).toContain('"AWS/Lambda","Errors"');
    expect(json).toContain('"AWS/Lambda","Throttles"');
    // A widget on a name the code never emits would stay empty.
    const source = await repoFile('shared/observability.ts');
    const emitted = [...source.matchAll(/\| '([A-Za-z]+)'/g)].map((m) => m[1]);
    const named = [...json.matchAll(/\["verigate","([A-Za-z]+)"|MetricName=\\"([A-Za-z]+)\\"/g)].map((m) => m[1] ?? m[2]);
    expect(named.length).toBeGreaterThan(10);
    expect(emitted).toEqual(expect.arrayContaining([...new Set(named)]));
    const shown = body.widgets.filter((w) => w.type === 'alarm').flatMap((w) => w.properties.alarms as string[]);
    expect(shown.sort()).toEqual(alarms().map((a) => `arn:aws:cloudwatch:ap-southeast-1:123456789012:alarm:${a.AlarmName}`).sort());
  });
});

describe('delivery receipts', () => {
  const TOPIC = 'DeliveryReceiptsTopic';
  const sources = ['arn:aws:sms-voice:ap-southeast-1:123456789012:configuration-set/verigate-prod', 'arn:aws:ses:ap-southeast-1:123456789012:configuration-set/verigate-prod'];

  it('collects them on one topic, encrypted under a key of its own that only this account administers and only the two providers encrypt with', () => {
    const topic = resource(TOPIC);
    expect(topic.Type).toBe('AWS::SNS::Topic');
    expect(topic.Properties!.TopicName).toBe('verigate-prod-delivery-receipts');
    expect(topic.Properties!.KmsMasterKeyId).toEqual({ Ref: 'DeliveryReceiptsKey' });
    const key = resource('DeliveryReceiptsKey');
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties!.EnableKeyRotation).toBe(true);
    const statements = key.Properties!.KeyPolicy.Statement as Array<Statement & { Principal: Record<string, unknown> }>;
    expect(statements.map((s) => [render(s.Principal.AWS ?? ''), s.Principal.Service])).toEqual([
      ['arn:aws:iam::123456789012:root', undefined],
      ['', ['sms-voice.amazonaws.com', 'ses.amazonaws.com']],
    ]);
    expect(statements[1]!.Action).toEqual(['kms:GenerateDataKey*', 'kms:Decrypt']);
    expect(render(statements[1]!.Condition!.StringEquals!['aws:SourceAccount'])).toBe('123456789012');
  });

  it("lets only End User Messaging and SES publish to it, and only for this stage's configuration sets", () => {
    const policies = resources('AWS::SNS::TopicPolicy');
    expect(policies).toHaveLength(1);
    const policy = policies[0]![1];
    expect(policy.Properties!.Topics).toEqual([{ Ref: TOPIC }]);
    const statements = policy.Properties!.PolicyDocument.Statement as Array<Statement & { Principal: Record<string, unknown> }>;
    expect(statements).toHaveLength(1);
    const [s] = statements;
    expect([s!.Effect, s!.Action, s!.Resource, s!.Principal]).toEqual([
      'Allow',
      'sns:Publish',
      { Ref: TOPIC },
      { Service: ['sms-voice.amazonaws.com', 'ses.amazonaws.com'] },
    ]);
    expect(render(s!.Condition!.StringEquals!['aws:SourceAccount'])).toBe('123456789012');
    expect((s!.Condition!.ArnLike!['aws:SourceArn'] as unknown[]).map(render)).toEqual(sources);
  });

  it("sends End User Messaging's final SMS and voice events there, through the stage's protect configuration", () => {
    const set = resource('SmsVoiceConfigurationSet');
    expect(set.Type).toBe('AWS::SMSVOICE::ConfigurationSet');
    expect(set.Properties!.ConfigurationSetName).toBe('verigate-prod');
    expect(set.Properties!.ProtectConfigurationId).toEqual({ 'Fn::GetAtt': ['SmsProtectConfiguration', 'ProtectConfigurationId'] });
    expect(list(set.DependsOn)).toContain('DeliveryReceiptsTopicPolicy');
    const [destination, ...more] = set.Properties!.EventDestinations;
    expect(more).toEqual([]);
    expect(destination).toMatchObject({ Enabled: true, SnsDestination: { TopicArn: { Ref: TOPIC } } });
    expect(destination.MatchingEventTypes).toEqual(expect.arrayContaining(['TEXT_DELIVERED', 'TEXT_SUCCESSFUL', 'TEXT_UNREACHABLE', 'TEXT_BLOCKED', 'VOICE_COMPLETED', 'VOICE_NO_ANSWER']));
    expect(destination.MatchingEventTypes).not.toContain('TEXT_PENDING');
    expect(resource('SmsProtectConfiguration').Type).toBe('AWS::SMSVOICE::ProtectConfiguration');
    // The stage's country rules, for SMS and voice alike.
    const rules = [
      { CountryCode: 'RU', ProtectStatus: 'BLOCK' },
      { CountryCode: 'NG', ProtectStatus: 'BLOCK' },
    ];
    expect(resource('SmsProtectConfiguration', withSentinels.template).Properties!.CountryRuleSet).toEqual({ SMS: rules, VOICE: rules });
  });

  it("sends SES's delivery, bounce, complaint, reject and delivery-delay events there from its configuration set", () => {
    expect(resource('SesConfigurationSet').Properties!.Name).toBe('verigate-prod');
    const destinations = resources('AWS::SES::ConfigurationSetEventDestination');
    expect(destinations).toHaveLength(1);
    expect(destinations[0]![1].Properties).toEqual({
      ConfigurationSetName: { Ref: 'SesConfigurationSet' },
      EventDestination: {
        Name: 'receipts',
        Enabled: true,
        MatchingEventTypes: ['delivery', 'bounce', 'complaint', 'reject', 'deliveryDelay'],
        SnsDestination: { TopicARN: { Ref: TOPIC } },
      },
    });
  });

  it('invokes recordReceipt from the topic, retries a failed event, then describes it in a retained queue an alarm watches', () => {
    const fn = functionsByOperation().recordReceipt!;
    const subscriptions = resources('AWS::SNS::Subscription').filter(([, r]) => JSON.stringify(r.Properties!.TopicArn) === JSON.stringify({ Ref: TOPIC }));
    expect(subscriptions.map(([, r]) => [r.Properties!.Protocol, r.Properties!.Endpoint])).toEqual([['lambda', { 'Fn::GetAtt': [fn.id, 'Arn'] }]]);
    const permissions = resources('AWS::Lambda::Permission').filter(([, p]) => p.Properties!.Principal === 'sns.amazonaws.com');
    expect(permissions.map(([, p]) => [p.Properties!.SourceArn, p.Properties!.FunctionName])).toEqual([[{ Ref: TOPIC }, { 'Fn::GetAtt': [fn.id, 'Arn'] }]]);
    const invokeConfigs = resources('AWS::Lambda::EventInvokeConfig');
    expect(invokeConfigs).toHaveLength(1);
    expect(invokeConfigs[0]![1].Properties).toMatchObject({
      FunctionName: { Ref: fn.id },
      MaximumRetryAttempts: expect.any(Number),
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['RecordReceiptDLQ', 'Arn'] } } },
    });
    expect([resource('RecordReceiptDLQ').DeletionPolicy, resource('RecordReceiptDLQ').UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    const alarms = resources('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
    expect(
      alarms.filter(
        (a) =>
          a.Namespace === 'AWS/SQS' &&
          JSON.stringify(a.Dimensions) === JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['RecordReceiptDLQ', 'QueueName'] } }]),
      ),
    ).toHaveLength(1);
  });

  it("gives deliverCode the configuration sets' names, and the stage's identities and rules when it gives them", () => {
    const env = (template: CfnTemplate) =>
      (functionsByOperation(template).deliverCode!.resource.Properties!.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env(t())).toMatchObject({ SMS_VOICE_CONFIGURATION_SET: 'verigate-prod', SES_CONFIGURATION_SET: 'verigate-prod' });
    expect(env(t())).not.toHaveProperty('SMS_ORIGINATION_IDENTITIES');
    expect(env(withSentinels.template)).toMatchObject({
      SMS_ORIGINATION_IDENTITIES: GIVEN_PARAMS.smsOriginationIdentities,
      VOICE_ORIGINATION_IDENTITIES: GIVEN_PARAMS.voiceOriginationIdentities,
    });
  });
});

describe('data', () => {
  it('keeps the table and the DLQs when the stack is deleted or replaces them', () => {
    const dlqs = resources('AWS::SQS::Queue').flatMap(([, q]) =>
      q.Properties!.RedrivePolicy ? [q.Properties!.RedrivePolicy.deadLetterTargetArn['Fn::GetAtt'][0] as string] : [],
    );
    for (const id of ['VerigateTable', ...dlqs]) {
      expect(resource(id).DeletionPolicy, id).toBe('Retain');
      expect(resource(id).UpdateReplacePolicy, id).toBe('Retain');
    }
  });

  it('projects into the audit index only what the query by destination returns', async () => {
    const [index] = resource('VerigateTable').Properties!.GlobalSecondaryIndexes;
    expect(index.IndexName).toBe('gsi1');
    expect(index.Projection.ProjectionType).toBe('INCLUDE');
    expect([...index.Projection.NonKeyAttributes].sort()).toEqual(AUDIT_INDEX_ATTRIBUTES);
    // The very definition DynamoDB Local's table is created from.
    expect(JSON.parse(await repoFile('infra/table.json')).GlobalSecondaryIndexes).toEqual(
      resource('VerigateTable').Properties!.GlobalSecondaryIndexes,
    );
  });
});

describe('logs', () => {
  it('writes no access-log line at the stage, where a request the web ACL blocks would write one too; logs are kept for a bounded time', () => {
    // One line per request comes from the function that serves it (test/unit/middleware/request-context.test.ts).
    expect(resource('ApiGatewayStage').Properties!.AccessLogSetting).toBeUndefined();
    expect(resources('AWS::WAFv2::LoggingConfiguration')).toEqual([]);
    expect(resources('AWS::ApiGateway::Account')).toEqual([]);
    for (const [id, group] of resources('AWS::Logs::LogGroup')) {
      expect(group.Properties!.RetentionInDays, id).toBeGreaterThan(0);
      expect(String(group.Properties!.LogGroupName), id).toMatch(/^\/aws\/lambda\/verigate-prod-/);
    }
  });

});
