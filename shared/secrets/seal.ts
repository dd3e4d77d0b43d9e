import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Sealing of values stored in the table (partner secret keys, the code a delivery request carries):
 * AES-256-GCM under a key derived (HKDF-SHA256) from a secret in the parameter store, with the item it
 * belongs to (the access key, the delivery request) as associated data, so a sealed value is unreadable
 * without that secret and cannot be moved to another item or altered without detection. Each purpose
 * derives its own key. Format: `v1.` + base64url(iv[12] ‖ ciphertext ‖ tag[16]).
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Changing these makes every sealed value unreadable: they name the purpose, not a secret.
const HKDF_SALT = 'verigate';

/** What a sealer is for: its key derivation label and the prefix of its associated data. */
export interface SealPurpose {
  hkdfInfo: string;
  associatedDataPrefix: string;
}

export const PARTNER_SECRET_KEY_SEAL: SealPurpose = {
  hkdfInfo: 'partner-secret-key-seal/v1',
  associatedDataPrefix: 'verigate-partner-sk:',
};
/** A delivery request's destination and code, bound to the request's item (shared/store/delivery-requests.ts). */
export const DELIVERY_REQUEST_SEAL: SealPurpose = { hkdfInfo: 'delivery-request-seal/v1', associatedDataPrefix: 'verigate-delivery:' };

export class SealError extends Error {
  override name = 'SealError';
}

export interface Sealer {
  /** `boundTo` names the item the value belongs to (an access key, a delivery request). */
  seal(plaintext: string, boundTo: string): string;
  /** Throws SealError for a value sealed under another key or for another item, altered, or malformed. */
  open(sealed: string, boundTo: string): string;
}

export function createSealer(keyEncryptionSecret: string, purpose: SealPurpose = PARTNER_SECRET_KEY_SEAL): Sealer {
  if (keyEncryptionSecret.length === 0) throw new SealError('the key-encryption secret is empty');
  const key = Buffer.from(hkdfSync('sha256', keyEncryptionSecret, HKDF_SALT, purpose.hkdfInfo, 32));
  const associatedData = (boundTo: string) => Buffer.from(`${purpose.associatedDataPrefix}${boundTo}`, 'utf8');
  return {
    seal(plaintext, boundTo) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedData(boundTo));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
    },
    open(sealed, boundTo) {
      const [version, payload, ...rest] = sealed.split('.');
      if (version !== VERSION || payload === undefined || rest.length > 0 || !/^[\w-]+$/.test(payload)) {
        throw new SealError('not a sealed value of a known version');
      }
      const raw = Buffer.from(payload, 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES + 1) throw new SealError('sealed value too short');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(boundTo));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new SealError('sealed value failed authentication (altered, or sealed under another key)');
      }
    },
  };
}
