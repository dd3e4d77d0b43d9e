// check-identity through the real HTTP pipeline (middy, partner auth, zod, audit) against DynamoDB Local:
// the seed's contract, its cost in DynamoDB requests, and its audit record.
import { vi, describe, it, expect, beforeEach } from 'vitest';

vi.hoisted(() => {
  // Read by shared/observability.ts when it is first imported: keep test output quiet.
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';
import { countRequests } from '../../dev/support/meter.js';
import { createCheckIdentityHandler } from '../../functions/check-identity.js';
import { createRegisterCustomerHandler } from '../../functions/register-customer.js';
import { subjectHash } from '../../shared/identity/hash.js';
import { akskHeaders, post, theAuditOf, tokenHeaders, PARTNER_AK } from './partner-auth-support.js';

let t: TestRuntime;
let handler: ReturnType<typeof createCheckIdentityHandler>;
let auth: Record<string, string>;

beforeEach(async () => {
  t = await createTestRuntime();
  handler = createCheckIdentityHandler(t.rt);
  auth = await tokenHeaders(t);
});

describe('check-identity answers (seed contract)', () => {
  it("answers the seed's example request with exactly the seed's success body", async () => {
    const res = await post(handler, { search_type: 'name', search_value: 'ceshiyonghu001' }, auth);

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });
    expect(res.headers['content-type']).toBe('application/json;charset=UTF-8');
    expect(res.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('adds mobile_remain_available_num to mobile searches only', async () => {
    const mobile = await post(handler, { search_type: 'mobile', search_value: '0086-13612345678' }, auth);
    expect(mobile.status).toBe(200);
    expect(mobile.body).toEqual({
      error_code: 'CBC.0000',
      error_msg: 'success',
      check_result: 'available',
      mobile_remain_available_num: 5,
    });

    const email = await post(handler, { search_type: 'email', search_value: 'testaccount@huawei.com' }, auth);
    expect(email.status).toBe(200);
    expect(email.body).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available' });

    // Any country code, not only 86.
    const uk = await post(handler, { search_type: 'mobile', search_value: '0044-7700900123' }, auth);
    expect(uk.body).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'available', mobile_remain_available_num: 5 });
  });

  it('says used_by_user for registered identities, and counts mobile slots down', async () => {
    const register = createRegisterCustomerHandler(t.rt);
    await register({ customerId: 'c1', name: 'CeShiYongHu001', email: 'TestAccount@huawei.com', mobile: '+8613612345678' });
    await register({ customerId: 'c2', name: 'ceshiyonghu002', mobile: '0086-13612345678' });

    const used = { error_code: 'CBC.0000', error_msg: 'success', check_result: 'used_by_user' };
    expect((await post(handler, { search_type: 'name', search_value: 'ceshiyonghu001' }, auth)).body).toEqual(used);
    expect((await post(handler, { search_type: 'email', search_value: 'testaccount@HUAWEI.com' }, auth)).body).toEqual(used);
    expect((await post(handler, { search_type: 'mobile', search_value: '0086-13612345678' }, auth)).body).toEqual({
      error_code: 'CBC.0000',
      error_msg: 'success',
      check_result: 'available',
      mobile_remain_available_num: 3,
    });
  });
});

describe('check-identity cost', () => {
  it('the request counter sees requests sent through the document client', async () => {
    const counter = countRequests(t.rt.db);
    await t.rt.db.doc.send(new GetCommand({ TableName: t.config.tableName, Key: { pk: 'NAME#nobody', sk: 'CLAIM' } }));
    expect(counter.operations).toEqual(['GetItem']);
  });

  it('makes exactly 3 DynamoDB requests per token-authenticated call: the partner-rate UpdateItem, GetItem, then the audit PutItem', async () => {
    const counter = countRequests(t.rt.db);
    // Cross-check on the wire: a middleware inside the SDK's retry loop sees every HTTP attempt.
    const attempts: string[] = [];
    t.rt.db.raw.middlewareStack.add(
      (next, context) => async (args) => {
        attempts.push(String(context.commandName));
        return next(args);
      },
      { step: 'deserialize', name: 'checkIdentityAttemptCounter' },
    );

    for (const [search_type, search_value] of [
      ['name', 'ceshiyonghu001'],
      ['email', 'testaccount@huawei.com'],
      ['mobile', '0086-13612345678'],
    ] as const) {
      counter.reset();
      attempts.length = 0;
      const res = await post(handler, { search_type, search_value }, auth);
      expect(res.status).toBe(200);
      expect(counter.operations).toEqual(['UpdateItem', 'GetItem', 'PutItem']);
      expect(attempts).toEqual(['UpdateItemCommand', 'GetItemCommand', 'PutItemCommand']);
    }
  });

  it('an AK/SK-signed call adds a read of the partner key (cached for a while), one of the lockout state and the flow-control write (5 requests, then 4)', async () => {
    const body = { search_type: 'name', search_value: 'ceshiyonghu001' };
    const first = countRequests(t.rt.db);
    expect((await post(handler, body, await akskHeaders(t, body))).status).toBe(200);
    expect(first.operations).toEqual(['GetItem', 'GetItem', 'UpdateItem', 'GetItem', 'PutItem']);
    const warm = countRequests(t.rt.db);
    expect((await post(handler, body, await akskHeaders(t, body))).status).toBe(200);
    expect(warm.operations).toEqual(['GetItem', 'UpdateItem', 'GetItem', 'PutItem']);
  });
});

describe('check-identity audit', () => {
  it('leaves exactly one audit record per request: outcome, status, caller, masked subject, no raw value', async () => {
    const cases = [
      { search_type: 'name', search_value: 'CeShiYongHu001', kind: 'name', normalized: 'ceshiyonghu001', masked: 'ces****01' },
      {
        search_type: 'email',
        search_value: 'TestAccount@Huawei.com',
        kind: 'email',
        normalized: 'testaccount@huawei.com',
        masked: 'tes****ount@huawei.com',
      },
      { search_type: 'mobile', search_value: '0086-18112342345', kind: 'mobile', normalized: '+8618112342345', masked: '+86181****2345' },
    ] as const;

    for (const c of cases) {
      const res = await post(handler, { search_type: c.search_type, search_value: c.search_value }, auth);
      expect(res.status).toBe(200);
      const record = await theAuditOf(t, res, [c.search_value, c.normalized, auth['X-Auth-Token']!]);
      expect(record).toMatchObject({
        requestId: res.requestId,
        operation: 'checkIdentity',
        caller: 'partner-token:local-partner',
        outcome: 'CBC.0000',
        status: 200,
        subjectMasked: c.masked,
        subjectHash: subjectHash(t.config.identityPepper, c.kind, c.normalized),
        sourceIp: '203.0.113.10',
        at: t.clock.now().toISOString(),
      });
      // Queryable by destination too.
      expect((await t.rt.audit.bySubject(String(record.subjectHash))).map((r) => r.requestId)).toEqual([res.requestId]);
    }
    // The national number alone never appears either.
    const res = await post(handler, { search_type: 'mobile', search_value: '0086-18112342345' }, auth);
    await theAuditOf(t, res, ['18112342345']);
  });

  it('records an AK/SK caller by its access key, and keeps a caller-supplied X-Request-Id', async () => {
    const body = { search_type: 'name', search_value: 'ceshiyonghu001' };
    const headers: Record<string, string> = { ...(await akskHeaders(t, body)), 'X-Request-Id': 'partner-req-0001' };
    const res = await post(handler, body, headers);

    expect(res.status).toBe(200);
    expect(res.requestId).toBe('partner-req-0001');
    const record = await theAuditOf(t, res, ['ceshiyonghu001', headers.Authorization!]);
    expect(record).toMatchObject({ caller: `partner-ak:${PARTNER_AK}`, outcome: 'CBC.0000', status: 200 });
  });
});
