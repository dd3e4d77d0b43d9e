import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { ServiceError } from '../../../shared/errors.js';
import { familyResponse, OperationError } from '../../../shared/middleware/family-response.js';
import type { OperationInternal } from '../../../shared/middleware/operation-state.js';
import { asHttp, bodyJson, chain, httpPost, rejectionOf } from './support.js';

const SECRET_DETAIL = 'dynamodb://table/verigate-prod credentials=AKIA...';

/** familyResponse outermost, as publicOperation uses it, around a handler that answers or throws. */
function answering(
  family: 'CBC' | 'USG',
  handler: () => Promise<unknown>,
  defaultLanguage: 'zh-CN' | 'en-US' = family === 'USG' ? 'zh-CN' : 'en-US',
) {
  return chain([], handler, { outer: [familyResponse({ family })], defaultLanguage });
}

describe('familyResponse over HTTP', () => {
  it('wraps a success: 200, JSON, the request id, never cached', async () => {
    const c = answering('CBC', async () => ({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' }));
    const result = asHttp(await c.invoke(httpPost('{}', { 'X-Request-Id': 'ok-1' })));
    expect(result).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json;charset=UTF-8', 'x-request-id': 'ok-1', 'cache-control': 'no-store' },
      body: JSON.stringify({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' }),
    });
  });

  it('answers an empty body when the handler returns nothing', async () => {
    const result = asHttp(await answering('USG', async () => undefined).invoke(httpPost('{}')));
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('');
  });

  it('keeps unicode as it is in the body', async () => {
    const result = asHttp(await answering('USG', async () => ({ bindPhone: '+86181****2345', name: '张三' })).invoke(httpPost('{}')));
    expect(JSON.parse(result.body)).toEqual({ bindPhone: '+86181****2345', name: '张三' });
  });

  it("maps a USG error to the family envelope with request_id, the error's fields and Retry-After", async () => {
    const c = answering('USG', async () => {
      throw new ServiceError('USG.201050004', { retryAfterSeconds: 42.2, detail: 'cooldown', audit: { window: 'resend' } });
    });
    const result = asHttp(await c.invoke(httpPost('{}', { 'X-Request-Id': 'usg-1', 'Accept-Language': 'en-US' })));
    expect(result.statusCode).toBe(429);
    expect(result.headers).toEqual({
      'content-type': 'application/json;charset=UTF-8',
      'x-request-id': 'usg-1',
      'cache-control': 'no-store',
      'retry-after': '43',
    });
    expect(bodyJson(result)).toEqual({
      error_code: 'USG.201050004',
      error_msg: 'Verification codes are sent too often. Try again later.',
      request_id: 'usg-1',
      retry_after: 43,
    });
  });

  it('maps a CBC error to its envelope without request_id; the id stays in the header', async () => {
    const c = answering('CBC', async () => {
      throw new ServiceError('CBC.0154', { detail: 'expired' });
    });
    const result = asHttp(await c.invoke(httpPost('{}', { 'X-Request-Id': 'cbc-1' })));
    expect(result.statusCode).toBe(403);
    expect(result.headers['x-request-id']).toBe('cbc-1');
    expect(result.headers['retry-after']).toBeUndefined();
    expect(bodyJson(result)).toEqual({ error_code: 'CBC.0154', error_msg: 'The token is invalid or has expired.' });
  });

  it('speaks the language the request picked', async () => {
    const refuse = async () => {
      throw new ServiceError('USG.201050001', { fields: { remaining_attempts: 4 } });
    };
    const zh = bodyJson(await answering('USG', refuse).invoke(httpPost('{}')));
    expect(zh).toMatchObject({ error_code: 'USG.201050001', error_msg: '验证码错误。', remaining_attempts: 4 });
    const en = bodyJson(await answering('USG', refuse).invoke(httpPost('{}', { 'Accept-Language': 'en-US;q=0.9, zh-CN;q=0.1' })));
    expect(en.error_msg).toBe('The verification code is incorrect.');
  });

  it('answers an unexpected error with the family 500 and nothing of it: no message, no stack, no name', async () => {
    for (const family of ['CBC', 'USG'] as const) {
      const c = answering(family, async () => {
        const error = new TypeError(SECRET_DETAIL);
        error.name = 'ResourceNotFoundException';
        throw error;
      });
      const result = asHttp(await c.invoke(httpPost('{}', { 'X-Request-Id': `boom-${family}` })));
      expect(result.statusCode).toBe(500);
      const body = bodyJson(result);
      expect(body.error_code).toBe(family === 'CBC' ? 'CBC.0999' : 'USG.000000500');
      expect(body.error_msg).toBe(family === 'CBC' ? 'Other errors.' : '服务器内部错误。');
      expect(result.body).not.toContain('AKIA');
      expect(result.body).not.toContain('ResourceNotFound');
      expect(result.body).not.toMatch(/at .*\.ts:\d+/);
      expect(Object.keys(body).sort()).toEqual(family === 'CBC' ? ['error_code', 'error_msg'] : ['error_code', 'error_msg', 'request_id']);
    }
  });

  it('answers anything thrown, even a value that is not an Error, as the family 500', async () => {
    const c = answering('USG', async () => {
      throw 'a string';
    });
    const result = asHttp(await c.invoke(httpPost('{}')));
    expect(result.statusCode).toBe(500);
    expect(bodyJson(result).error_code).toBe('USG.000000500');
  });

  it('answers with the request id the caller sees, a generated one when it sent none', async () => {
    const result = asHttp(await answering('USG', async () => ({})).invoke(httpPost('{}'), { awsRequestId: 'lambda-req-9' }));
    expect(result.headers['x-request-id']).toBe('lambda-req-9');
  });
});

describe('familyResponse to a browser page (CORS)', () => {
  const ALLOWED = ['https://signup.partner.example', 'http://*'];
  const answeringPages = (handler: () => Promise<unknown>) =>
    chain([], handler, { outer: [familyResponse({ family: 'USG', allowedOrigins: ALLOWED })], defaultLanguage: 'zh-CN' });

  it('names a listed origin and lets it read X-Request-Id and Retry-After, on a success and on a refusal alike', async () => {
    for (const handler of [async () => ({}), async () => Promise.reject(new ServiceError('USG.201050004', { retryAfterSeconds: 5 }))]) {
      const result = asHttp(await answeringPages(handler).invoke(httpPost('{}', { Origin: 'https://signup.partner.example' })));
      expect(result.headers).toMatchObject({
        'access-control-allow-origin': 'https://signup.partner.example',
        'access-control-expose-headers': 'X-Request-Id, Retry-After',
        vary: 'Origin',
      });
    }
  });

  it("grants any origin of a scheme given in its prefix form, and nothing else that looks like one", async () => {
    const origin = async (o: string) => asHttp(await answeringPages(async () => ({})).invoke(httpPost('{}', { Origin: o }))).headers;
    expect((await origin('http://localhost:5173'))['access-control-allow-origin']).toBe('http://localhost:5173');
    for (const stranger of ['https://evil.example.com', 'https://signup.partner.example.evil.com', 'http://', 'null'])
      expect(await origin(stranger), stranger).not.toHaveProperty('access-control-allow-origin');
  });

  it('names no origin the stage does not list, nor any when it lists none, and says the answer varies by Origin', async () => {
    const stranger = asHttp(await answeringPages(async () => ({})).invoke(httpPost('{}', { Origin: 'https://evil.example.com' })));
    expect(stranger.headers).not.toHaveProperty('access-control-allow-origin');
    expect(stranger.headers).not.toHaveProperty('access-control-expose-headers');
    expect(stranger.headers.vary).toBe('Origin');
    const none = asHttp(await answering('USG', async () => ({})).invoke(httpPost('{}', { Origin: 'https://signup.partner.example' })));
    expect(none.headers).not.toHaveProperty('access-control-allow-origin');
  });
});

describe('familyResponse for a direct invocation', () => {
  it('returns the success body itself', async () => {
    const body = { bindPhone: '+86181****2345', expire: 180 };
    expect(await answering('USG', async () => body).invoke({ user: '+8618112342345' })).toEqual(body);
  });

  it('throws an error named by the code (for a state machine to Catch), with the message and fields', async () => {
    const c = answering('USG', async () => {
      throw new ServiceError('USG.201050003', { retryAfterSeconds: 30, detail: 'locked' });
    });
    const error = await rejectionOf(
      c.invoke({ contact: '+8618112342345', verificationCode: '000000', headers: { 'accept-language': 'en-US' } }),
    );
    expect(error).toBeInstanceOf(OperationError);
    expect(error).toMatchObject({
      name: 'USG.201050003',
      message: 'Too many verification attempts. Try again later.',
      fields: { retry_after: 30 },
    });
  });

  it('names an unexpected failure by the family 500 code, describing nothing of it', async () => {
    const c = answering('CBC', async () => {
      throw new Error(SECRET_DETAIL);
    });
    const error = (await rejectionOf(c.invoke({ search_type: 'name', search_value: 'x' }))) as OperationError;
    expect(error.name).toBe('CBC.0999');
    expect(error.message).toBe('Other errors.');
    expect(error.fields).toEqual({});
    expect(String(error.stack)).not.toContain('AKIA');
  });
});

describe('familyResponse before the request started', () => {
  it('lets the error through as it is: there is no request id or language to answer with', async () => {
    const h = middy<unknown, unknown, Error, Context, OperationInternal>()
      .use(familyResponse({ family: 'USG' }))
      .handler(async () => {
        throw new Error('before requestContext');
      });
    await expect(h(httpPost('{}'), {} as Context)).rejects.toThrow('before requestContext');
  });
});
