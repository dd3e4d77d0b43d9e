// Builds the OpenAPI 3.1 document and the customer and lifecycle events' JSON Schemas from the zod schemas that
// validate requests (shared/domain), the table of operations and the table of error codes: nothing of
// the contract is written here twice. `npm run openapi` writes them; test/unit/openapi.test.ts fails
// when the committed files drift from what this builds.
import * as z from 'zod/mini';
import { CheckIdentityInput } from '../shared/domain/check-identity.js';
import { DeregisterCustomerEvent, RegisterCustomerEvent } from '../shared/domain/customers.js';
import { CbcErrorBody, CheckIdentityOutput, SendCodeOutput, UsgErrorBody } from '../shared/domain/responses.js';
import { SendCodeInput } from '../shared/domain/send-code.js';
import { VerifyCodeInput } from '../shared/domain/verify-code.js';
import { ERROR_CODES, EVENT_CODES, FAMILY_CODES, messageFor, type ErrorCode, type Family } from '../shared/errors.js';
import { LIFECYCLE_DETAIL_TYPES, LIFECYCLE_EVENT_SOURCE } from '../shared/events/lifecycle.js';
import { LIFECYCLE_DETAIL_SCHEMAS, LIFECYCLE_EVENT_MEANINGS, lifecycleEnvelopeNote } from '../shared/events/lifecycle-schemas.js';
import { OPERATIONS, type HttpOperationName } from '../shared/operations.js';
import { CLIENT_REQUEST_ID } from '../shared/policy.js';

type Json = Record<string, unknown>;

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/** zod → JSON Schema 2020-12 (OpenAPI 3.1's own dialect), without the per-schema `$schema`. */
function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'throw' }) as Json;
  return rest;
}

/**
 * The codes each operation can answer besides its family's invalid-parameter and internal codes, the
 * one list here that is not derived: which refusals the operation's auth and domain raise.
 */
export const OPERATION_CODES: Record<HttpOperationName, ErrorCode[]> = {
  checkIdentity: ['APIG.0301', 'CBC.0151', 'CBC.0154', 'CBC.0250', 'CBC.0503'],
  sendVerificationCode: [
    'USG.000000006',
    'USG.201040000',
    'USG.201040002',
    'USG.201040003',
    'USG.201040004',
    'USG.201050003',
    'USG.201050004',
    'USG.000000503',
  ],
  verifyVerificationCode: ['USG.000000004', 'USG.000000005', 'USG.201050001', 'USG.201050002', 'USG.201050003', 'USG.000000503'],
};

/** Every error code an operation answers with: its family's parameter error, its own refusals, its family's internal error. */
export function errorCodesOf(op: HttpOperationName): ErrorCode[] {
  const family = OPERATIONS[op].family;
  return [FAMILY_CODES[family].invalid, ...OPERATION_CODES[op], FAMILY_CODES[family].internal];
}

/** Codes whose body carries more than the envelope, and what they add. */
const EXTRA_FIELDS: Partial<Record<ErrorCode, Json>> = {
  'USG.201050001': { remaining_attempts: 4 },
  'USG.201050003': { retry_after: 42 },
  'USG.201050004': { retry_after: 60 },
  'USG.000000503': { retry_after: 5 },
};
/** Codes answered with a Retry-After header (and, in the USG family, `retry_after`). */
const RETRY_AFTER_CODES = new Set<ErrorCode>(['APIG.0301', 'CBC.0250', 'CBC.0503', 'USG.201050003', 'USG.201050004', 'USG.000000503']);

const EXAMPLE_REQUEST_ID = '0f4c9a7e-6d1b-4c2e-9a55-3b1f8e2d7c60';

const SUMMARIES: Record<HttpOperationName, { summary: string; description: string; tag: string }> = {
  checkIdentity: {
    tag: 'Partner',
    summary: 'Check whether an account name, email or mobile number can be registered',
    description:
      'For cloud solution providers and distributors: partner `X-Auth-Token` or an AK/SK `SDK-HMAC-SHA256` signature. ' +
      'Mobiles are `00<country code>-<number>`; names follow `^([a-zA-Z-]([a-zA-Z0-9_-]){4,31})$`, not `op_`/`shadow_`, not all digits. ' +
      'A partner may make a limited number of calls a second (429 `CBC.0250`). Messages default to en-US.',
  },
  sendVerificationCode: {
    tag: 'Verification code',
    summary: 'Send a one-time verification code by SMS, voice call or email',
    description:
      'Needs no caller credentials: the body carries a CAPTCHA `token` for this very `user` (single use), from the provider the stage uses ' +
      '(Turnstile, hCaptcha, reCAPTCHA, GeeTest v4, or a signed pass); a provider that cannot be asked in time is 503 `USG.000000503` with `Retry-After`. ' +
      '`user` is a mobile number (`+86…`), an email, or an account name whose bound contact `sendMethod` picks. ' +
      '`voice` calls the number and speaks the code (a fixed line too, in the countries SMS serves). ' +
      'One send per destination per 60 s, 10 per 24 h, 30 per source address per hour (429 `USG.201050004` with `Retry-After`). ' +
      'A destination whose email hard-bounced or was reported as spam, or whose number opted out, is refused (400 `USG.201040004`) before anything is spent. ' +
      'Messages default to zh-CN.',
  },
  verifyVerificationCode: {
    tag: 'Verification code',
    summary: 'Verify a code that was sent to a mobile number or email',
    description:
      "App callers (`X-Access-Token`). At most 5 attempts per destination within any 60 s, a code dies after 5 wrong tries; a wrong code's body says `remaining_attempts`. " +
      'Success consumes the code and answers 200 with an empty body. Messages default to zh-CN.',
  },
};

const SECURITY: Record<HttpOperationName, Json[]> = {
  checkIdentity: [{ partnerToken: [] }, { akskSignature: [] }],
  sendVerificationCode: [],
  verifyVerificationCode: [{ appToken: [] }],
};

/** The seeds' example requests (seeds/*.txt), plus one per other search type. */
const REQUEST_EXAMPLES: Record<HttpOperationName, Record<string, { summary: string; value: Json }>> = {
  checkIdentity: {
    name: { summary: 'An account name (the seed’s example)', value: { search_type: 'name', search_value: 'ceshiyonghu001' } },
    mobile: { summary: 'A mobile number', value: { search_type: 'mobile', search_value: '0086-13612345678' } },
    email: { summary: 'An email address', value: { search_type: 'email', search_value: 'someone@example.com' } },
  },
  sendVerificationCode: {
    seed: { summary: 'The seed’s example', value: { token: 'R7PE9vsaEUHjiLsraWTF3WQhmBet16SbI', user: '+86136********' } },
    account: { summary: 'An account name, by email', value: { user: 'ceshiyonghu001', sendMethod: 'email', token: 'eyJhbGciOiJIUzI1NiJ9…' } },
    voice: { summary: 'A call to a fixed line', value: { user: '+861012345678', sendMethod: 'voice', token: 'eyJhbGciOiJIUzI1NiJ9…' } },
  },
  verifyVerificationCode: {
    seed: { summary: 'The seed’s example', value: { contact: '+86136********', country: 'chinaPR', verificationCode: '753927' } },
  },
};

const SUCCESS: Record<HttpOperationName, { schema?: string; examples?: Record<string, { summary: string; value: Json }> }> = {
  checkIdentity: {
    schema: 'CheckIdentityOutput',
    examples: {
      seed: {
        summary: 'The seed’s example (a mobile)',
        value: { error_code: 'CBC.0000', error_msg: 'success', check_result: 'available', mobile_remain_available_num: 1 },
      },
      taken: { summary: 'A name already in use', value: { error_code: 'CBC.0000', error_msg: 'success', check_result: 'used_by_user' } },
    },
  },
  sendVerificationCode: {
    schema: 'SendCodeOutput',
    examples: {
      seed: { summary: 'The seed’s example', value: { expire: 180, bindPhone: '+8618*********', bindEmail: null } },
      email: { summary: 'Sent by email', value: { expire: 180, bindPhone: null, bindEmail: 'tes****ount@huawei.com' } },
    },
  },
  verifyVerificationCode: {},
};

/** What the input fields mean (the seeds' definitions); a test checks that each names a field of the schema. */
export const FIELD_DESCRIPTIONS: Record<HttpOperationName, Record<string, string>> = {
  checkIdentity: {
    search_type: 'What `search_value` is: `email`, `mobile` or `name` (login name).',
    search_value: 'The email, mobile (`00<country code>-<number>`, e.g. `0086-13612345678`) or login name; at most 64 characters.',
  },
  sendVerificationCode: {
    user: 'Mobile number (`+86…`), email address or account name; the same value the CAPTCHA pass was issued for.',
    sendMethod:
      'The channel: `sms` (the default for a phone and an account), `voice` (a call to the phone, fixed lines too), or `email`. ' +
      'For an account name it picks the bound phone (`sms`, `voice`) or email; for a mobile or an email it must reach that kind.',
    token:
      "The CAPTCHA pass for `user` (single use): the Turnstile, hCaptcha or reCAPTCHA response token, GeeTest v4's `getValidate()` result JSON-encoded, " +
      'or a signed pass, whichever provider the stage uses. A Turnstile widget must carry `cData` = the user binding of `user` (docs/captcha.md).',
  },
  verifyVerificationCode: {
    contact: 'The mobile number (with its country code, e.g. `+8613612345678`) or email address the code was sent to.',
    country: 'Region a mobile number without `+` is read in: Huawei region names (`chinaPR`, default) or ISO codes.',
    verificationCode: 'The 6-digit code.',
  },
};

const INPUTS = { checkIdentity: CheckIdentityInput, sendVerificationCode: SendCodeInput, verifyVerificationCode: VerifyCodeInput };
const INPUT_NAMES: Record<HttpOperationName, string> = {
  checkIdentity: 'CheckIdentityInput',
  sendVerificationCode: 'SendCodeInput',
  verifyVerificationCode: 'VerifyCodeInput',
};

function describedInput(op: HttpOperationName): Json {
  const schema = jsonSchema(INPUTS[op], 'input');
  const properties = schema.properties as Record<string, Json>;
  for (const [field, description] of Object.entries(FIELD_DESCRIPTIONS[op])) {
    if (!properties[field]) throw new Error(`FIELD_DESCRIPTIONS.${op}.${field}: no such field in the input schema`);
    properties[field] = { description, ...properties[field] };
  }
  return schema;
}

function errorExample(family: Family, code: ErrorCode): Json {
  const base = { error_code: code, error_msg: messageFor(code, 'en-US') };
  if (family === 'CBC') return base;
  return { ...base, request_id: EXAMPLE_REQUEST_ID, ...EXTRA_FIELDS[code] };
}

/** One response per HTTP status the operation answers with, its body restricted to that status's codes. */
function errorResponses(op: HttpOperationName): Record<string, Json> {
  const family = OPERATIONS[op].family;
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorCodesOf(op)) {
    const { status } = ERROR_CODES[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, Json> = {};
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
    const envelope = family === 'USG' ? UsgErrorBody : CbcErrorBody;
    const body = z.extend(envelope, { error_code: z.enum(codes as [ErrorCode, ...ErrorCode[]]) });
    const retryAfter = codes.some((c) => RETRY_AFTER_CODES.has(c));
    responses[String(status)] = {
      description: codes.map((c) => `\`${c}\` ${messageFor(c, 'en-US')}${RETRY_AFTER_CODES.has(c) ? ' (`Retry-After`)' : ''}`).join(' | '),
      headers: {
        'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' },
        ...(retryAfter ? { 'Retry-After': { $ref: '#/components/headers/Retry-After' } } : {}),
      },
      content: {
        'application/json': {
          schema: jsonSchema(body, 'output'),
          examples: Object.fromEntries(codes.map((c) => [c, { summary: messageFor(c, 'en-US'), value: errorExample(family, c) }])),
        },
      },
    };
  }
  return responses;
}

function operation(op: HttpOperationName): Json {
  const entry = OPERATIONS[op];
  const success = SUCCESS[op];
  const parameters: Json[] = [
    { $ref: '#/components/parameters/X-Request-Id' },
    { $ref: entry.family === 'USG' ? '#/components/parameters/Accept-Language-USG' : '#/components/parameters/Accept-Language-CBC' },
    ...(op === 'checkIdentity' ? [{ $ref: '#/components/parameters/X-Sdk-Date' }] : []),
  ];
  return {
    operationId: op,
    tags: [SUMMARIES[op].tag],
    summary: SUMMARIES[op].summary,
    description: SUMMARIES[op].description,
    security: SECURITY[op],
    parameters,
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: { $ref: `#/components/schemas/${INPUT_NAMES[op]}` }, examples: REQUEST_EXAMPLES[op] },
      },
    },
    responses: {
      '200': {
        description: success.schema ? 'Success.' : 'Verified: the code is consumed. Empty body.',
        headers: { 'X-Request-Id': { $ref: '#/components/headers/X-Request-Id' } },
        ...(success.schema
          ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${success.schema}` }, examples: success.examples } } }
          : {}),
      },
      ...errorResponses(op),
    },
  };
}

export function buildOpenApiDocument(version: string): Json {
  const paths: Json = {};
  for (const op of Object.keys(INPUTS) as HttpOperationName[]) {
    const { route } = OPERATIONS[op];
    paths[route.path] = { [route.method.toLowerCase()]: operation(op) };
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'verigate',
      version,
      summary: 'Identity checks and one-time verification codes',
      description:
        'Generated from the zod schemas that validate the requests (`npm run openapi`); do not edit by hand.\n\n' +
        'Every HTTP operation also accepts a direct Lambda invocation whose event is the JSON body; it returns the success body ' +
        'or throws an error named by its code. Bodies are JSON, at most 8 KiB, without unknown fields; any malformed input is a 400 ' +
        "of the operation's family. `X-Request-Id` is echoed when it is a safe token (else a UUID is generated) and returned on every answer.\n\n" +
        'Error bodies: CBC family `{error_code, error_msg}`; USG family adds `request_id` and, for some codes, `remaining_attempts` or `retry_after`.',
    },
    servers: [
      { url: 'http://127.0.0.1:3000', description: '`npm start` (stage local)' },
      {
        url: 'https://{apiId}.execute-api.{region}.amazonaws.com/{stage}',
        description: "A deployed stage (the REST API's execute-api endpoint, whose path starts with the stage; a custom domain has none)",
        variables: { apiId: { default: 'abcdef1234' }, region: { default: 'eu-west-1' }, stage: { default: 'prod' } },
      },
    ],
    tags: [
      { name: 'Partner', description: 'Called by partner backends (cloud solution providers, distributors).' },
      { name: 'Verification code', description: 'Called by partner frontends and apps.' },
    ],
    paths,
    components: {
      schemas: {
        CheckIdentityInput: describedInput('checkIdentity'),
        CheckIdentityOutput: jsonSchema(CheckIdentityOutput, 'output'),
        SendCodeInput: describedInput('sendVerificationCode'),
        SendCodeOutput: jsonSchema(SendCodeOutput, 'output'),
        VerifyCodeInput: describedInput('verifyVerificationCode'),
        CbcError: jsonSchema(CbcErrorBody, 'output'),
        UsgError: jsonSchema(UsgErrorBody, 'output'),
      },
      parameters: {
        'X-Request-Id': {
          name: 'X-Request-Id',
          in: 'header',
          required: false,
          description:
            'Your id for this request, echoed on the answer and kept in the audit record; a UUID is generated when absent or not a safe token.',
          schema: { type: 'string', pattern: CLIENT_REQUEST_ID.source },
          example: EXAMPLE_REQUEST_ID,
        },
        'Accept-Language-CBC': {
          name: 'Accept-Language',
          in: 'header',
          required: false,
          description: '`zh-CN` or `en-US` messages (`error_msg`); default en-US.',
          schema: { type: 'string', default: 'en-US' },
          examples: { en: { value: 'en-US' }, zh: { value: 'zh-CN' } },
        },
        'Accept-Language-USG': {
          name: 'Accept-Language',
          in: 'header',
          required: false,
          description: '`zh-CN` or `en-US` messages (`error_msg`); default zh-CN.',
          schema: { type: 'string', default: 'zh-CN' },
          examples: { zh: { value: 'zh-CN' }, en: { value: 'en-US' } },
        },
        'X-Sdk-Date': {
          name: 'X-Sdk-Date',
          in: 'header',
          required: false,
          description:
            'With an AK/SK signature (required then, and signed): the signing time `YYYYMMDDTHHMMSSZ` (UTC), within 15 minutes of the server clock.',
          schema: { type: 'string', pattern: '^\\d{8}T\\d{6}Z$' },
          example: '20250101T120000Z',
        },
      },
      headers: {
        'X-Request-Id': {
          description: 'The request id: yours when it was a safe token, else a generated UUID.',
          schema: { type: 'string' },
        },
        'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer', minimum: 1 } },
      },
      securitySchemes: {
        partnerToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Auth-Token',
          description: "A partner's token (JWT) with the role `solution_provider` or `distributor`. Invalid or expired: 403 `CBC.0154`.",
        },
        akskSignature: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'Huawei Cloud AK/SK signature as the official SDK signer (`huaweicloudsdkcore`) produces it: `SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<sorted;lower-case;names>, Signature=<hex>`, ' +
            'where Signature = hex(HMAC-SHA256(SK, "SDK-HMAC-SHA256\\n" + X-Sdk-Date + "\\n" + hex(SHA-256(CanonicalRequest)))) and CanonicalRequest = ' +
            'METHOD \\n path with a trailing `/` \\n sorted query \\n `name:value\\n` per signed header \\n signed header list \\n hex(SHA-256(body)). ' +
            '`host` and `X-Sdk-Date` must be signed; `X-Sdk-Date` within 15 minutes. Wrong: 401 `APIG.0301`; five wrong in a row lock the AK for that source for 5 minutes (`Retry-After`).',
        },
        appToken: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Access-Token',
          description: "An app's token (JWT). Missing, invalid or expired: 401 `USG.000000004`.",
        },
      },
    },
  };
}

/**
 * The lifecycle events (shared/events/lifecycle.ts) as JSON Schemas: each detail-type's `detail`, and the event
 * as a consumer receives it (EventBridge's envelope; the local events file's lines are its `time`, `source`,
 * `detail-type` and `detail`), which picks the detail's schema by its detail-type.
 */
export function buildLifecycleEventSchemas(): Json {
  const types = [...LIFECYCLE_DETAIL_TYPES];
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: 'https://verigate.example/schemas/lifecycle-events.json',
    title: 'verigate lifecycle events',
    description:
      `Generated from the zod schemas of shared/events/lifecycle-schemas.ts (\`npm run openapi\`). Put on the stage's EventBridge bus ` +
      `(source \`${LIFECYCLE_EVENT_SOURCE}\`) by publishLifecycleEvents from the table's stream: one per committed change, at least once ` +
      '(a consumer dedups on `detail.eventId`, the same on every delivery of one change), in no guaranteed order (`detail.occurredAt` says when). ' +
      lifecycleEnvelopeNote,
    $defs: {
      ...Object.fromEntries(
        types.map((t) => [t, { description: LIFECYCLE_EVENT_MEANINGS[t], ...jsonSchema(LIFECYCLE_DETAIL_SCHEMAS[t], 'output') }]),
      ),
      LifecycleEvent: {
        description: 'A lifecycle event: the fields every consumer sees, the envelope\'s others allowed.',
        type: 'object',
        properties: {
          'detail-type': { type: 'string', enum: types },
          source: { const: LIFECYCLE_EVENT_SOURCE },
          time: { type: 'string', format: 'date-time' },
          detail: { type: 'object' },
        },
        required: ['detail-type', 'source', 'time', 'detail'],
        oneOf: types.map((t) => ({
          properties: { 'detail-type': { const: t }, detail: { $ref: `#/$defs/${t}` } },
        })),
      },
    },
    $ref: '#/$defs/LifecycleEvent',
  };
}

/** The customer events' payloads (direct invoke, SQS body, EventBridge `detail`) as JSON Schemas. */
export function buildCustomerEventSchemas(): Json {
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: 'https://verigate.example/schemas/customer-events.json',
    title: 'verigate customer events',
    description:
      'Generated from the zod schemas of shared/domain/customers.ts (`npm run openapi`). Sent to registerCustomer / deregisterCustomer by direct ' +
      'invocation, as an SQS message body, or as the `detail` of an EventBridge event (`source: verigate.customers`, `detail-type: ' +
      'CustomerRegistered | CustomerDeregistered`). Outcome codes: ' +
      Object.entries(EVENT_CODES)
        .map(([code, { meaning }]) => `${code} ${meaning}`)
        .join('; ') +
      '.',
    $defs: {
      RegisterCustomerEvent: {
        description: 'CustomerRegistered: claims the name, the email and one slot of the mobile atomically; idempotent per customerId.',
        ...jsonSchema(RegisterCustomerEvent, 'input'),
      },
      DeregisterCustomerEvent: {
        description: 'CustomerDeregistered: releases what the customer claimed.',
        ...jsonSchema(DeregisterCustomerEvent, 'input'),
      },
    },
    oneOf: [{ $ref: '#/$defs/RegisterCustomerEvent' }, { $ref: '#/$defs/DeregisterCustomerEvent' }],
  };
}
