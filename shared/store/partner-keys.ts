import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { PARTNER_KEY_CACHE_MAX_ENTRIES, PARTNER_KEY_CACHE_MS } from '../policy.js';
import { createSealer } from '../secrets/seal.js';
import { conditionFailureItem, isConditionalCheckFailed, type Db } from './client.js';
import { keys } from './keys.js';

/** Partner AK/SK pairs: read by check-identity's signature check, written by the operator's tool. */
export interface PartnerKeys {
  /** The secret key of an active access key; undefined for an unknown or revoked one (cached per warm function). */
  secretOf(accessKey: string): Promise<string | undefined>;
  /** A new access key with its secret key; throws PartnerKeyStateError if the access key was ever used. */
  add(accessKey: string, secretKey: string, at: Date, partnerName?: string): Promise<void>;
  /** Replaces the secret key of an active access key; throws PartnerKeyStateError for an unknown or revoked one. */
  rotate(accessKey: string, secretKey: string, at: Date): Promise<void>;
  /** Revokes an access key for good (idempotent); throws PartnerKeyStateError for an unknown one. */
  revoke(accessKey: string, at: Date): Promise<void>;
  /** What the table says about an access key, without its secret key. */
  describe(accessKey: string): Promise<PartnerKeyRecord | undefined>;
}

/**
 * Partner AK/SK pairs, one item per access key (`PARTNER#<AK>` / `KEY`): the secret key sealed with
 * AES-256-GCM under the key-encryption secret (never in plain text in the table), its status and
 * timestamps. Keys are added, rotated and revoked by the operator (scripts/partner-key.ts) without a
 * redeploy; check-identity reads one item per access key and keeps the answer PARTNER_KEY_CACHE_MS.
 */
export type PartnerKeyStatus = 'active' | 'revoked';

export interface PartnerKeyRecord {
  accessKey: string;
  status: PartnerKeyStatus;
  partnerName: string | undefined;
  /** Incremented by every rotation: 1 for the secret key given when the access key was added. */
  version: number;
  createdAt: string;
  rotatedAt: string | undefined;
  revokedAt: string | undefined;
}

/** The stored secret key cannot be opened: altered, or sealed under another key-encryption secret. */
export class PartnerKeyIntegrityError extends Error {
  override name = 'PartnerKeyIntegrityError';
}

/** An operator write that does not apply: the access key exists already, or is unknown, or revoked. */
export class PartnerKeyStateError extends Error {
  override name = 'PartnerKeyStateError';
}

export interface PartnerKeyOptions {
  /** Epoch ms; the cache's clock. */
  now?: () => number;
  cacheMs?: number;
}

export function createPartnerKeys(db: Db, table: string, keyEncryptionSecret: string, options: PartnerKeyOptions = {}): PartnerKeys {
  const sealer = createSealer(keyEncryptionSecret);
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? PARTNER_KEY_CACHE_MS;
  const cache = new Map<string, { until: number; secret: Promise<string | undefined> }>();

  async function read(accessKey: string): Promise<string | undefined> {
    // Eventually consistent: half the cost of a strong read, and a change is already allowed
    // PARTNER_KEY_CACHE_MS to reach a warm function; DynamoDB's replication adds typically under a second.
    const { Item } = await db.doc.send(
      new GetCommand({
        TableName: table,
        Key: keys.partnerKey(accessKey),
        ProjectionExpression: '#status, sealedSecret',
        ExpressionAttributeNames: { '#status': 'status' },
      }),
    );
    if (Item?.status !== 'active' || typeof Item.sealedSecret !== 'string') return undefined;
    try {
      return sealer.open(Item.sealedSecret, accessKey);
    } catch {
      throw new PartnerKeyIntegrityError(
        `the stored secret key of access key ${accessKey} cannot be opened with the key-encryption secret`,
      );
    }
  }

  /**
   * An operator write: its condition failing means the key is not in the state the write needs, unless the
   * item already holds this very write's sealed secret (its random IV makes it unique to the write): then
   * the SDK retried a write whose first attempt was applied but not answered, and it is done.
   */
  async function write(accessKey: string, send: () => Promise<unknown>, refusal: string, sealed?: string): Promise<void> {
    try {
      await send();
    } catch (err) {
      if (isConditionalCheckFailed(err)) {
        if (sealed !== undefined && conditionFailureItem(err)?.sealedSecret === sealed) return;
        throw new PartnerKeyStateError(`access key ${accessKey} ${refusal}`);
      }
      throw err;
    } finally {
      // This process sees its own change at once; other warm functions within their cache period.
      cache.delete(accessKey);
    }
  }

  return {
    /**
     * The secret key of an active access key; undefined for an unknown or revoked one. One read per
     * access key per PARTNER_KEY_CACHE_MS in a warm function; concurrent lookups share it.
     */
    secretOf(accessKey) {
      const at = now();
      const hit = cache.get(accessKey);
      if (hit && hit.until > at) return hit.secret;
      const secret = read(accessKey);
      cache.delete(accessKey);
      if (cacheMs > 0) {
        cache.set(accessKey, { until: at + cacheMs, secret });
        if (cache.size > PARTNER_KEY_CACHE_MAX_ENTRIES) cache.delete(cache.keys().next().value!);
        // A failed read is not remembered: the next request reads again.
        secret.catch(() => {
          if (cache.get(accessKey)?.secret === secret) cache.delete(accessKey);
        });
      }
      return secret;
    },

    /** A new access key with its secret key. */
    add(accessKey, secretKey, at, partnerName) {
      const item = {
        ...keys.partnerKey(accessKey),
        status: 'active',
        sealedSecret: sealer.seal(secretKey, accessKey),
        version: 1,
        createdAt: at.toISOString(),
        ...(partnerName ? { partnerName } : {}),
      };
      // A revoked access key keeps its item, so it can never be handed out again.
      const put = new PutCommand({
        TableName: table,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      });
      return write(accessKey, () => db.doc.send(put), 'exists already (access keys are never reused)', item.sealedSecret);
    },

    /** Replaces the secret key of an active access key: the old one is refused once caches expire. */
    rotate(accessKey, secretKey, at) {
      const sealed = sealer.seal(secretKey, accessKey);
      const update = new UpdateCommand({
        TableName: table,
        Key: keys.partnerKey(accessKey),
        UpdateExpression: 'SET sealedSecret = :sealed, rotatedAt = :at ADD version :one',
        // A retried rotation whose first attempt was applied finds its own secret: not counted twice.
        ConditionExpression: '#status = :active AND sealedSecret <> :sealed',
        ExpressionAttributeNames: { '#status': 'status' },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        ExpressionAttributeValues: {
          ':sealed': sealed,
          ':at': at.toISOString(),
          ':one': 1,
          ':active': 'active',
        },
      });
      return write(accessKey, () => db.doc.send(update), 'is unknown or revoked', sealed);
    },

    /** Revokes an access key for good: its secret key is erased, the item stays as a tombstone. Idempotent. */
    revoke(accessKey, at) {
      const update = new UpdateCommand({
        TableName: table,
        Key: keys.partnerKey(accessKey),
        UpdateExpression: 'SET #status = :revoked, revokedAt = if_not_exists(revokedAt, :at) REMOVE sealedSecret',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':revoked': 'revoked', ':at': at.toISOString() },
      });
      return write(accessKey, () => db.doc.send(update), 'is unknown');
    },

    /** What the table says about an access key, without its secret key (strongly consistent: for operators). */
    async describe(accessKey) {
      const { Item } = await db.doc.send(new GetCommand({ TableName: table, Key: keys.partnerKey(accessKey), ConsistentRead: true }));
      if (!Item) return undefined;
      return {
        accessKey,
        status: Item.status === 'active' ? 'active' : 'revoked',
        partnerName: typeof Item.partnerName === 'string' ? Item.partnerName : undefined,
        version: Number(Item.version ?? 1),
        createdAt: String(Item.createdAt),
        rotatedAt: typeof Item.rotatedAt === 'string' ? Item.rotatedAt : undefined,
        revokedAt: typeof Item.revokedAt === 'string' ? Item.revokedAt : undefined,
      };
    },
  };
}
