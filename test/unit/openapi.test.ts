import { readFile } from 'node:fs/promises';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { ARTIFACTS, renderArtifacts } from '../../openapi/artifacts.js';
import { errorCodesOf } from '../../openapi/document.js';
import { CheckIdentityInput } from '../../shared/domain/check-identity.js';
import { CbcErrorBody, CheckIdentityOutput, SendCodeOutput, UsgErrorBody } from '../../shared/domain/responses.js';
import { SendCodeInput } from '../../shared/domain/send-code.js';
import { VerifyCodeInput } from '../../shared/domain/verify-code.js';
import { ERROR_CODES, type ErrorCode } from '../../shared/errors.js';
import { HTTP_OPERATIONS, OPERATIONS, type HttpOperationName } from '../../shared/operations.js';

type Json = Record<string, any>;
const committed = async (key: keyof typeof ARTIFACTS): Promise<string> => readFile(ARTIFACTS[key], 'utf8');
const document = async (): Promise<Json> => JSON.parse(await committed('openapi')) as Json;
const operationOf = (doc: Json, op: HttpOperationName): Json => doc.paths[OPERATIONS[op].route.path].post;

describe('the committed OpenAPI document, event schemas and client types', () => {
  it.each(Object.keys(ARTIFACTS) as (keyof typeof ARTIFACTS)[])('%s is what `npm run openapi` builds from the schemas now', async (key) => {
    const rendered = await renderArtifacts();
    expect(await committed(key), `${ARTIFACTS[key]} is out of date: run npm run openapi and commit it`).toBe(rendered[key]);
  });

  it('is a valid OpenAPI 3.1 document whose references all resolve', async () => {
    const validator = new Validator();
    const result = await validator.validate(await document());
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    expect(JSON.stringify(validator.resolveRefs())).not.toContain('"$ref"');
  });

  it('has exactly the HTTP routes of the table of operations', async () => {
    const doc = await document();
    expect(Object.keys(doc.paths).sort()).toEqual(HTTP_OPERATIONS.map((o) => o.route.path).sort());
    for (const o of HTTP_OPERATIONS) expect(Object.keys(doc.paths[o.route.path])).toEqual([o.route.method.toLowerCase()]);
  });

  it('documents every error code under its own status, in the family of the operation answering it', async () => {
    const doc = await document();
    const documented = new Set<string>();
    for (const o of HTTP_OPERATIONS) {
      const responses = operationOf(doc, o.name).responses as Json;
      for (const code of errorCodesOf(o.name)) {
        expect(ERROR_CODES[code].family, code).toBe(o.family);
        const response = responses[String(ERROR_CODES[code].status)];
        expect(response.content['application/json'].schema.properties.error_code.enum, `${o.name} ${code}`).toContain(code);
        documented.add(code);
      }
      for (const [status, response] of Object.entries(responses)) {
        if (status === '200') continue;
        const codes = response.content['application/json'].schema.properties.error_code.enum as ErrorCode[];
        for (const code of codes) expect(ERROR_CODES[code].status).toBe(Number(status));
        // Retry-After is documented exactly where a 429 can answer.
        if (status === '429') expect(response.headers['Retry-After']).toBeDefined();
      }
    }
    const errorCodes = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => ERROR_CODES[c].status !== 200);
    expect([...documented].sort()).toEqual(errorCodes.sort());
  });

  it('shows USG bodies with request_id, remaining_attempts for a wrong code and retry_after for throttling', async () => {
    const verify = operationOf(await document(), 'verifyVerificationCode').responses as Json;
    expect(verify['400'].content['application/json'].schema.required).toContain('request_id');
    expect(verify['400'].content['application/json'].examples['USG.201050001'].value.remaining_attempts).toBeTypeOf('number');
    expect(verify['429'].content['application/json'].examples['USG.201050003'].value.retry_after).toBeTypeOf('number');
    const check = operationOf(await document(), 'checkIdentity').responses as Json;
    expect(check['400'].content['application/json'].schema.properties).not.toHaveProperty('request_id');
    expect(check['401'].headers['Retry-After']).toBeDefined();
  });

  it("has examples that the service's own schemas accept", async () => {
    const doc = await document();
    const inputs = { checkIdentity: CheckIdentityInput, sendVerificationCode: SendCodeInput, verifyVerificationCode: VerifyCodeInput };
    const outputs = { checkIdentity: CheckIdentityOutput, sendVerificationCode: SendCodeOutput };
    for (const o of HTTP_OPERATIONS) {
      const op = operationOf(doc, o.name);
      const requests = Object.values(op.requestBody.content['application/json'].examples as Json);
      expect(requests.length).toBeGreaterThan(0);
      for (const { value } of requests) expect(() => z.parse(inputs[o.name], value), JSON.stringify(value)).not.toThrow();
      if (o.name !== 'verifyVerificationCode') {
        for (const { value } of Object.values(op.responses['200'].content['application/json'].examples as Json))
          expect(() => z.parse(outputs[o.name], value), JSON.stringify(value)).not.toThrow();
      }
      for (const [status, response] of Object.entries(op.responses as Json)) {
        if (status === '200') continue;
        for (const { value } of Object.values(response.content['application/json'].examples as Json))
          expect(() => z.parse(o.family === 'USG' ? UsgErrorBody : CbcErrorBody, value), JSON.stringify(value)).not.toThrow();
      }
    }
  });

  it('describes the three caller credentials as security schemes', async () => {
    const doc = await document();
    const schemes = doc.components.securitySchemes as Json;
    expect(Object.values(schemes).map((s) => [s.in, s.name])).toEqual([
      ['header', 'X-Auth-Token'],
      ['header', 'Authorization'],
      ['header', 'X-Access-Token'],
    ]);
    expect(schemes.akskSignature.description).toContain('SDK-HMAC-SHA256');
    expect(operationOf(doc, 'checkIdentity').security).toEqual([{ partnerToken: [] }, { akskSignature: [] }]);
    expect(operationOf(doc, 'sendVerificationCode').security).toEqual([]);
    expect(operationOf(doc, 'verifyVerificationCode').security).toEqual([{ appToken: [] }]);
  });

  it('gives the customer events JSON Schemas that refuse what the event handlers refuse', async () => {
    const schemas = JSON.parse(await committed('customerEvents')) as Json;
    const register = schemas.$defs.RegisterCustomerEvent as Json;
    expect(register.required).toEqual(['customerId', 'name']);
    expect(register.additionalProperties).toBe(false);
    expect(Object.keys(register.properties)).toEqual(['customerId', 'name', 'email', 'mobile', 'country']);
    expect(schemas.$defs.DeregisterCustomerEvent.required).toEqual(['customerId']);
  });
});
