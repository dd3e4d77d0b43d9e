import * as z from 'zod/mini';
import { describe, expect, it } from 'vitest';
import { jsonBody } from '../../../shared/middleware/json-body.js';
import { validateInput } from '../../../shared/middleware/validate-input.js';
import { chain, httpPost, serviceErrorOf } from './support.js';

const Input = z.strictObject({
  user: z.string().check(z.trim(), z.minLength(1), z.maxLength(16)),
  sendMethod: z._default(z.enum(['sms', 'email']), 'sms'),
});

function validating(family: 'CBC' | 'USG' = 'USG') {
  return chain([jsonBody({ family }), validateInput({ family, schema: Input })]);
}

const refusal = (event: unknown, family: 'CBC' | 'USG' = 'USG') => serviceErrorOf(validating(family).invoke(event));

describe('validateInput', () => {
  it("hands on the schema's output (defaults applied, values transformed), not the raw body", async () => {
    const c = validating();
    await c.invoke(httpPost('{"user":"  a@example.com  "}'));
    expect(c.states[0]!.input).toEqual({ user: 'a@example.com', sendMethod: 'sms' });
  });

  it('validates a direct invocation’s event the same way, its headers left out', async () => {
    const c = validating();
    await c.invoke({ user: 'a@example.com', sendMethod: 'email', headers: { 'accept-language': 'en-US' } });
    expect(c.states[0]!.input).toEqual({ user: 'a@example.com', sendMethod: 'email' });
  });

  it.each([
    ['a missing field', '{}'],
    ['a wrong type', '{"user":5}'],
    ['null', '{"user":null}'],
    ['an array for a string', '{"user":["a"]}'],
    ['an operator object', '{"user":{"$ne":""}}'],
    ['an empty string', '{"user":""}'],
    ['a value too long', `{"user":"${'x'.repeat(17)}"}`],
    ['an unknown enum value', '{"user":"a","sendMethod":"fax"}'],
    ['an unknown extra field', '{"user":"a","isAdmin":true}'],
    ['__proto__ as an extra field', '{"user":"a","__proto__":{"isAdmin":true}}'],
  ])('refuses %s with the family 400 and says why in the detail only', async (_label, raw) => {
    const error = await refusal(httpPost(raw));
    expect(error.code).toBe('USG.000000001');
    expect(error.status).toBe(400);
    expect(error.detail).toBeTruthy();
    expect(error.fields).toEqual({});
  });

  it('answers CBC.0100 when it serves the CBC family', async () => {
    expect((await refusal(httpPost('{"user":5}'), 'CBC')).code).toBe('CBC.0100');
  });

  it.each([
    ['a string', 'a@example.com'],
    ['a number', 42],
    ['null', null],
    ['true', true],
  ])('refuses a direct invocation whose event is not an object (%s)', async (_label, event) => {
    expect((await refusal(event)).detail).toBe('direct invocation event is not an object');
  });

  it('refuses a direct invocation whose event is an array as the schema would', async () => {
    const error = await refusal([{ user: 'a' }]);
    expect(error.code).toBe('USG.000000001');
  });
});
