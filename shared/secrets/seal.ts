import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Sealing of partner secret keys for storage in the table: AES-256-GCM under a key derived (HKDF-SHA256)
 * from the key-encryption secret in the parameter store, with the access key as associated data, so a
 * sealed value is unreadable without that secret and cannot be moved to another access key or altered
 * without detection. Format: `v1.` + base64url(iv[12] ‖ ciphertext ‖ tag[16]).
 */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
// Changing these makes every sealed value unreadable: they name the purpose, not a secret.
const HKDF_SALT = 'verigate';
const HKDF_INFO = 'partner-secret-key-seal/v1';

export class SealError extends Error {
  override name = 'SealError';
}

export interface Sealer {
  seal(plaintext: string, accessKey: string): string;
  /** Throws SealError for a value sealed under another key or access key, altered, or malformed. */
  open(sealed: string, accessKey: string): string;
}

const associatedData = (accessKey: string) => Buffer.from(`verigate-partner-sk:${accessKey}`, 'utf8');

export function createSealer(keyEncryptionSecret: string): Sealer {
  if (keyEncryptionSecret.length === 0) throw new SealError('the key-encryption secret is empty');
  const key = Buffer.from(hkdfSync('sha256', keyEncryptionSecret, HKDF_SALT, HKDF_INFO, 32));
  return {
    seal(plaintext, accessKey) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedData(accessKey));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
    },
    open(sealed, accessKey) {
      const [version, payload, ...rest] = sealed.split('.');
      if (version !== VERSION || payload === undefined || rest.length > 0 || !/^[\w-]+$/.test(payload)) {
        throw new SealError('not a sealed value of a known version');
      }
      const raw = Buffer.from(payload, 'base64url');
      if (raw.length < IV_BYTES + TAG_BYTES + 1) throw new SealError('sealed value too short');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData(accessKey));
      decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
      try {
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new SealError('sealed value failed authentication (altered, or sealed under another key)');
      }
    },
  };
}
