// The customer registry against a real DynamoDB Local: atomic claims of name, email and mobile slots,
// idempotent replays, clean failures and exact releases (SPEC §3 "Registry").
import { vi, describe, it, expect, beforeEach } from 'vitest';

vi.hoisted(() => {
  // Read by shared/observability.ts when it is first imported: keep test output quiet.
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createTestRuntime, type TestRuntime } from '../support/runtime.js';
import { createRegisterCustomerHandler } from '../../functions/register-customer.js';
import { createDeregisterCustomerHandler } from '../../functions/deregister-customer.js';
import { createCheckIdentityHandler } from '../../functions/check-identity.js';
import { IdentityConflictError } from '../../shared/store/registry.js';

type Item = Record<string, unknown>;
interface Registered {
  customerId: string;
  status: string;
}
interface CheckBody {
  error_code: string;
  error_msg: string;
  check_result: string;
  mobile_remain_available_num?: number;
}

let t: TestRuntime;
let register: (event: Record<string, unknown>) => Promise<Registered>;
let deregister: (event: Record<string, unknown>) => Promise<Registered>;
let check: (search_type: 'name' | 'email' | 'mobile', search_value: string) => Promise<CheckBody>;

beforeEach(async () => {
  t = await createTestRuntime();
  const reg = createRegisterCustomerHandler(t.rt);
  const dereg = createDeregisterCustomerHandler(t.rt);
  // A trusted direct invocation of check-identity returns its success body (no HTTP, no caller auth).
  const checkHandler = createCheckIdentityHandler(t.rt) as unknown as (e: unknown, c: unknown) => Promise<CheckBody>;
  register = async (e) => (await reg(e)) as Registered;
  deregister = async (e) => (await dereg(e)) as Registered;
  check = (search_type, search_value) => checkHandler({ search_type, search_value }, {});
});

/** Every item of the test's table, sorted, optionally without the audit records. */
async function scan(options: { withAudit?: boolean } = {}): Promise<Item[]> {
  const items: Item[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await t.rt.db.doc.send(new ScanCommand({ TableName: t.config.tableName, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items
    .filter((i) => options.withAudit || !String(i.pk).startsWith('AUDIT#'))
    .sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}

const auditCount = async () => (await scan({ withAudit: true })).filter((i) => String(i.pk).startsWith('AUDIT#')).length;
const mobileHolders = (items: Item[], e164: string): string[] => {
  const claim = items.find((i) => i.pk === `MOBILE#${e164}`);
  return claim?.customers instanceof Set ? [...(claim.customers as Set<string>)].sort() : [];
};

/** Runs a registration and returns its outcome or the IdentityConflict it was refused with. */
async function attempt(event: Record<string, unknown>): Promise<{ status: string } | { conflict: string[] } | { error: string }> {
  try {
    return { status: (await register(event)).status };
  } catch (err) {
    if (err instanceof IdentityConflictError) return { conflict: [...err.conflicts] };
    // Anything else is unexpected: returned (not thrown) so that a failing assertion shows what it was.
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

describe('registerCustomer: concurrent claims', () => {
  it('lets exactly one of 20 concurrent registrations of one name win; the others are refused naming "name"', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => attempt({ customerId: `cust-name-${i}`, name: 'ceshiyonghu001' })),
    );

    expect(results.filter((r) => 'error' in r)).toEqual([]);
    const winners = results.filter((r) => 'status' in r);
    const losers = results.filter((r) => 'conflict' in r);
    expect(winners).toEqual([{ status: 'registered' }]);
    expect(losers).toHaveLength(19);
    for (const l of losers) expect(l).toEqual({ conflict: ['name'] });

    const items = await scan();
    expect(items.filter((i) => String(i.pk).startsWith('CUSTOMER#'))).toHaveLength(1);
    expect(items.filter((i) => String(i.pk).startsWith('NAME#'))).toHaveLength(1);
    const winnerId = items.find((i) => String(i.pk).startsWith('CUSTOMER#'))!.customerId;
    expect(items.find((i) => i.pk === 'NAME#ceshiyonghu001')!.customerId).toBe(winnerId);

    expect(await check('name', 'ceshiyonghu001')).toEqual({ error_code: 'CBC.0000', error_msg: 'success', check_result: 'used_by_user' });
  });

  it('with MAX_CUSTOMERS_PER_MOBILE=5, 10 concurrent claims of one mobile leave exactly 5 registered and 0 slots', async () => {
    expect(t.config.maxCustomersPerMobile).toBe(5);
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => attempt({ customerId: `cust-mobile-${i}`, name: `mobileuser${i}`, mobile: '0086-13612345678' })),
    );

    expect(results.filter((r) => 'error' in r)).toEqual([]);
    expect(results.filter((r) => 'status' in r && r.status === 'registered')).toHaveLength(5);
    const losers = results.filter((r) => 'conflict' in r);
    expect(losers).toHaveLength(5);
    for (const l of losers) expect(l).toEqual({ conflict: ['mobile'] });

    const items = await scan();
    expect(mobileHolders(items, '+8613612345678')).toHaveLength(5);
    // Losers left nothing: 5 customers, 5 names, 1 mobile claim.
    expect(items.filter((i) => String(i.pk).startsWith('CUSTOMER#'))).toHaveLength(5);
    expect(items.filter((i) => String(i.pk).startsWith('NAME#'))).toHaveLength(5);

    expect(await check('mobile', '0086-13612345678')).toEqual({
      error_code: 'CBC.0000',
      error_msg: 'success',
      check_result: 'used_by_user',
      mobile_remain_available_num: 0,
    });
  });
});

describe('registerCustomer: concurrent deliveries', () => {
  it('answers 10 concurrent deliveries of one event with exactly one registered and 9 already_registered', async () => {
    const event = { customerId: 'cust-dup', name: 'DuplicateUser', email: 'dup.user@example.com', mobile: '+8613612345678' };
    const results = await Promise.all(Array.from({ length: 10 }, () => attempt(event)));

    expect(results.filter((r) => 'status' in r && r.status === 'registered')).toHaveLength(1);
    expect(results.filter((r) => 'status' in r && r.status === 'already_registered')).toHaveLength(9);
    expect(mobileHolders(await scan(), '+8613612345678')).toEqual(['cust-dup']);
  });

  it('lets one of 10 concurrent registrations of one customerId with different names win, leaving no other name claimed', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => attempt({ customerId: 'cust-same', name: `samecustomer${i}` })));

    expect(results.filter((r) => 'status' in r)).toEqual([{ status: 'registered' }]);
    expect(results.filter((r) => 'conflict' in r)).toEqual(Array(9).fill({ conflict: ['customerId'] }));
    expect((await scan()).filter((i) => String(i.pk).startsWith('NAME#'))).toHaveLength(1);
  });
});

describe('registerCustomer: idempotency and conflicts', () => {
  const alice = { customerId: 'cust-alice', name: 'AliceSmith', email: 'Alice.Smith@Example.com', mobile: '0086-13612345678' };

  it('answers a replayed event (same customerId, same identities) already_registered and changes nothing', async () => {
    expect(await register(alice)).toEqual({ customerId: 'cust-alice', status: 'registered' });
    const before = await scan();
    const auditsBefore = await auditCount();

    expect(await register(alice)).toEqual({ customerId: 'cust-alice', status: 'already_registered' });
    // The same identities in other spellings are the same event.
    expect(await register({ ...alice, name: 'alicesmith', email: 'ALICE.SMITH@example.com', mobile: '+8613612345678' })).toEqual({
      customerId: 'cust-alice',
      status: 'already_registered',
    });

    expect(await scan()).toEqual(before);
    expect(await auditCount()).toBe(auditsBefore + 2); // only each replay's own audit record was added
    expect(mobileHolders(before, '+8613612345678')).toEqual(['cust-alice']);
  });

  it('refuses the same customerId with other identities as a conflict on customerId, changing nothing', async () => {
    await register(alice);
    const before = await scan();

    expect(await attempt({ ...alice, email: 'alice.other@example.com' })).toEqual({ conflict: ['customerId'] });
    expect(await attempt({ customerId: 'cust-alice', name: 'anothername' })).toEqual({ conflict: ['customerId'] });

    expect(await scan()).toEqual(before);
    expect((await check('name', 'anothername')).check_result).toBe('available');
    expect((await check('email', 'alice.other@example.com')).check_result).toBe('available');
  });

  it('leaves no partial claim behind when the name is free but the email is taken', async () => {
    await register(alice);
    const before = await scan();
    expect(mobileHolders(before, '+8613612345678')).toEqual(['cust-alice']);

    expect(
      await attempt({ customerId: 'cust-bob', name: 'bobjohnson', email: 'alice.smith@example.com', mobile: '0086-13612345678' }),
    ).toEqual({ conflict: ['email'] });

    const after = await scan();
    expect(after).toEqual(before);
    expect(after.some((i) => i.pk === 'NAME#bobjohnson' || i.pk === 'CUSTOMER#cust-bob')).toBe(false);
    expect(mobileHolders(after, '+8613612345678')).toEqual(['cust-alice']);
    expect((await check('name', 'bobjohnson')).check_result).toBe('available');
    expect(await check('mobile', '0086-13612345678')).toMatchObject({ check_result: 'available', mobile_remain_available_num: 4 });
  });

  it('names every identity that is taken', async () => {
    await register(alice);
    await Promise.all([1, 2, 3, 4].map((i) => register({ customerId: `cust-m${i}`, name: `mobileholder${i}`, mobile: '+8613612345678' })));

    expect(
      await attempt({ customerId: 'cust-x', name: 'alicesmith', email: 'alice.smith@example.com', mobile: '0086-13612345678' }),
    ).toEqual({
      conflict: ['name', 'email', 'mobile'],
    });
  });

  it('compares names and emails case-insensitively', async () => {
    await register(alice);

    expect((await check('name', 'ALICESMITH')).check_result).toBe('used_by_user');
    expect((await check('name', 'alicesmith')).check_result).toBe('used_by_user');
    expect((await check('email', 'alice.smith@EXAMPLE.COM')).check_result).toBe('used_by_user');

    expect(await attempt({ customerId: 'cust-2', name: 'aliceSMITH' })).toEqual({ conflict: ['name'] });
    expect(await attempt({ customerId: 'cust-3', name: 'alicesmith3', email: 'ALICE.smith@example.COM' })).toEqual({
      conflict: ['email'],
    });
    const items = await scan();
    expect(items.filter((i) => String(i.pk).startsWith('CUSTOMER#'))).toHaveLength(1);
  });

  it('treats the 0086-… and +86… forms of one mobile as the same number', async () => {
    await register({ customerId: 'cust-dash', name: 'dashform', mobile: '0086-13612345678' });
    await register({ customerId: 'cust-plus', name: 'plusform', mobile: '+8613612345678' });

    const items = await scan();
    expect(items.filter((i) => String(i.pk).startsWith('MOBILE#'))).toHaveLength(1);
    expect(mobileHolders(items, '+8613612345678')).toEqual(['cust-dash', 'cust-plus']);
    expect(await check('mobile', '0086-13612345678')).toEqual({
      error_code: 'CBC.0000',
      error_msg: 'success',
      check_result: 'available',
      mobile_remain_available_num: 3,
    });
  });
});

describe('deregisterCustomer', () => {
  it('frees exactly what the customer claimed and leaves other customers untouched; a second call is a no-op', async () => {
    await register({ customerId: 'cust-a', name: 'customera', email: 'customer.a@example.com', mobile: '0086-13612345678' });
    await register({ customerId: 'cust-b', name: 'customerb', email: 'customer.b@example.com', mobile: '0086-13612345678' });
    const before = await scan();
    expect(mobileHolders(before, '+8613612345678')).toEqual(['cust-a', 'cust-b']);
    expect(await check('mobile', '0086-13612345678')).toMatchObject({ mobile_remain_available_num: 3 });

    expect(await deregister({ customerId: 'cust-a' })).toEqual({ customerId: 'cust-a', status: 'deregistered' });

    const after = await scan();
    expect((await check('name', 'customera')).check_result).toBe('available');
    expect((await check('email', 'customer.a@example.com')).check_result).toBe('available');
    expect(await check('mobile', '0086-13612345678')).toMatchObject({ check_result: 'available', mobile_remain_available_num: 4 });
    expect(mobileHolders(after, '+8613612345678')).toEqual(['cust-b']);
    // cust-b's items are byte-for-byte what they were.
    const ofB = (items: Item[]) => items.filter((i) => i.customerId === 'cust-b');
    expect(ofB(after)).toEqual(ofB(before));
    expect(ofB(after)).toHaveLength(3); // customer, name, email
    // Only cust-a's customer, name and email items are gone; the mobile item lost one holder.
    expect(after.map((i) => i.pk)).toEqual(
      before.map((i) => i.pk).filter((pk) => !['CUSTOMER#cust-a', 'NAME#customera', 'EMAIL#customer.a@example.com'].includes(String(pk))),
    );

    expect(await deregister({ customerId: 'cust-a' })).toEqual({ customerId: 'cust-a', status: 'not_registered' });
    expect(await scan()).toEqual(after);
    expect(await deregister({ customerId: 'cust-never-registered' })).toEqual({
      customerId: 'cust-never-registered',
      status: 'not_registered',
    });

    // The freed identities can be claimed again.
    expect(await register({ customerId: 'cust-c', name: 'CustomerA', email: 'customer.a@example.com', mobile: '+8613612345678' })).toEqual({
      customerId: 'cust-c',
      status: 'registered',
    });
    expect(mobileHolders(await scan(), '+8613612345678')).toEqual(['cust-b', 'cust-c']);
  });

  it('deregisters exactly once when 5 deliveries of one event arrive concurrently', async () => {
    await register({ customerId: 'cust-gone', name: 'goneuser01', email: 'gone.user@example.com', mobile: '+8613612345678' });
    await register({ customerId: 'cust-stay', name: 'stayuser01', mobile: '+8613612345678' });

    const results = await Promise.all(Array.from({ length: 5 }, () => deregister({ customerId: 'cust-gone' })));

    expect(results.filter((r) => r.status === 'deregistered')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'not_registered')).toHaveLength(4);
    const items = await scan();
    expect(mobileHolders(items, '+8613612345678')).toEqual(['cust-stay']);
    expect(items.filter((i) => i.customerId === 'cust-gone')).toEqual([]);
  });
});
