import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { PendingAudit } from '../audit/request-audit.js';
import type { AuditLog } from './audit.js';
import type { Db } from './client.js';
import { cancellationReasons } from './client.js';
import { keys } from './keys.js';
import { withTransactionRetry, type TransactItem } from './transactions.js';

/** The identity registry (SPEC §3): which customer holds each name and email, and the slots of each mobile. */
export interface Registry {
  /** How many customers hold an identity: one eventually consistent read (check-identity is advisory). */
  usage(kind: IdentityKind, value: string): Promise<IdentityUsage>;
  /** How many customers one mobile number may be registered to. */
  readonly maxCustomersPerMobile: number;
  /** The contacts bound to an account name (a code sent to an account goes to one of them). */
  contactsOfAccount(name: string): Promise<AccountContacts | undefined>;
  /** Claims a customer's identities at once, with the request's audit record; throws IdentityConflictError. */
  claim(c: CustomerIdentities, now: Date, audit: PendingAudit): Promise<RegisterOutcome>;
  /** Releases exactly what the customer claimed, with the request's audit record. */
  release(customerId: string, audit: PendingAudit): Promise<DeregisterOutcome>;
}

export type IdentityKind = 'name' | 'email' | 'mobile';

/** A customer's identities, already normalized (lower-case name and email, E.164 mobile). */
export interface CustomerIdentities {
  customerId: string;
  name: string;
  email?: string | undefined;
  mobile?: string | undefined;
}

/** What registerCustomer answers: its identities claimed now, or by the same customer before (a replayed event). */
export type RegisterOutcome = 'registered' | 'already_registered';
/** What deregisterCustomer answers: its identities released now, or none held. */
export type DeregisterOutcome = 'deregistered' | 'not_registered';

/** The claim failed: these identities belong to someone else (or the customerId to other identities). */
export class IdentityConflictError extends Error {
  override name = 'IdentityConflict';
  constructor(readonly conflicts: Array<IdentityKind | 'customerId'>) {
    super(`identity already claimed: ${conflicts.join(', ')}`);
  }
}

export interface AccountContacts {
  customerId: string;
  email: string | undefined;
  mobile: string | undefined;
}

export interface IdentityUsage {
  /** How many customers hold the identity (0 or 1 for name and email; up to the limit for mobile). */
  holders: number;
}

const sameIdentities = (a: CustomerIdentities, b: Record<string, unknown>) =>
  a.name === b.name && (a.email ?? null) === (b.email ?? null) && (a.mobile ?? null) === (b.mobile ?? null);

export function createRegistry(db: Db, table: string, maxCustomersPerMobile: number, auditLog: Pick<AuditLog, 'putItem'>): Registry {
  const keyFor = (kind: IdentityKind, value: string) => keys[kind](value);

  return {
    /** One eventually consistent GetItem: check-identity is advisory, claims are atomic. */
    async usage(kind, value) {
      const { Item } = await db.doc.send(new GetCommand({ TableName: table, Key: keyFor(kind, value) }));
      if (!Item) return { holders: 0 };
      if (kind === 'mobile') return { holders: Item.customers instanceof Set ? Item.customers.size : 0 };
      return { holders: 1 };
    },

    maxCustomersPerMobile,

    /** The contacts bound to an account name (for sending a code to an account). */
    async contactsOfAccount(name) {
      const { Item } = await db.doc.send(new GetCommand({ TableName: table, Key: keys.name(name), ConsistentRead: true }));
      if (!Item) return undefined;
      return { customerId: String(Item.customerId), email: Item.email as string | undefined, mobile: Item.mobile as string | undefined };
    },

    /**
     * Claims name, email and one mobile slot in one transaction with the request's audit record, so
     * a conflict on any of them leaves nothing behind. The customer item is claimed too: a replayed
     * event finds it and is answered as already registered.
     */
    async claim(c, now, audit) {
      const at = now.toISOString();
      const claimed: IdentityKind[] = ['name'];
      const items: TransactItem[] = [
        {
          Put: {
            TableName: table,
            Item: {
              ...keys.customer(c.customerId),
              customerId: c.customerId,
              name: c.name,
              email: c.email,
              mobile: c.mobile,
              registeredAt: at,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        {
          Put: {
            TableName: table,
            // The name claim carries the contacts so that a code can be sent to an account in one read.
            Item: { ...keys.name(c.name), customerId: c.customerId, email: c.email, mobile: c.mobile, claimedAt: at },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ];
      if (c.email) {
        claimed.push('email');
        items.push({
          Put: {
            TableName: table,
            Item: { ...keys.email(c.email), customerId: c.customerId, claimedAt: at },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        });
      }
      if (c.mobile) {
        claimed.push('mobile');
        items.push({
          Update: {
            TableName: table,
            Key: keys.mobile(c.mobile),
            UpdateExpression: 'ADD customers :me SET updatedAt = :at',
            ConditionExpression: 'attribute_not_exists(customers) OR (size(customers) < :max AND NOT contains(customers, :id))',
            ExpressionAttributeValues: { ':me': new Set([c.customerId]), ':id': c.customerId, ':max': maxCustomersPerMobile, ':at': at },
          },
        });
      }

      try {
        await withTransactionRetry(() => db.doc.send(new TransactWriteCommand({ TransactItems: [...items, auditLog.putItem(audit.record)] })));
        audit.committed();
        return 'registered';
      } catch (err) {
        const reasons = cancellationReasons(err);
        if (!reasons) throw err;
        const failed = (i: number) => reasons[i]?.Code === 'ConditionalCheckFailed';
        if (failed(0)) {
          const existing = reasons[0]?.Item;
          if (existing && sameIdentities(c, existing)) return 'already_registered';
          throw new IdentityConflictError(['customerId']);
        }
        const conflicts = claimed.filter((_, i) => failed(i + 1));
        if (conflicts.length === 0) throw err;
        throw new IdentityConflictError(conflicts);
      }
    },

    /**
     * Releases exactly what the customer claimed, with the request's audit record; conditions make
     * it safe against races and replays.
     */
    async release(customerId, audit) {
      const { Item } = await db.doc.send(new GetCommand({ TableName: table, Key: keys.customer(customerId), ConsistentRead: true }));
      if (!Item) return 'not_registered';
      const mine = { ':id': customerId };
      const items: TransactItem[] = [
        { Delete: { TableName: table, Key: keys.customer(customerId), ConditionExpression: 'attribute_exists(pk)' } },
        {
          Delete: {
            TableName: table,
            Key: keys.name(String(Item.name)),
            ConditionExpression: 'customerId = :id',
            ExpressionAttributeValues: mine,
          },
        },
      ];
      if (typeof Item.email === 'string') {
        items.push({
          Delete: {
            TableName: table,
            Key: keys.email(Item.email),
            ConditionExpression: 'customerId = :id',
            ExpressionAttributeValues: mine,
          },
        });
      }
      if (typeof Item.mobile === 'string') {
        items.push({
          Update: {
            TableName: table,
            Key: keys.mobile(Item.mobile),
            UpdateExpression: 'DELETE customers :me',
            ConditionExpression: 'contains(customers, :id)',
            ExpressionAttributeValues: { ':me': new Set([customerId]), ...mine },
          },
        });
      }
      try {
        await withTransactionRetry(() => db.doc.send(new TransactWriteCommand({ TransactItems: [...items, auditLog.putItem(audit.record)] })));
        audit.committed();
        return 'deregistered';
      } catch (err) {
        // A concurrent deregistration of the same customer got there first.
        if (cancellationReasons(err)?.[0]?.Code === 'ConditionalCheckFailed') return 'not_registered';
        throw err;
      }
    },
  };
}
