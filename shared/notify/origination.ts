/**
 * Origination identities per destination country (SMS_ORIGINATION_IDENTITIES, VOICE_ORIGINATION_IDENTITIES):
 * `CN=pool-…,HK=phone-…,*=pool-…`, where `*` is every other country. An identity is named as IAM can name
 * it, so the function's role grants sending from exactly these (infra/roles.cjs reads the same parser): a
 * phone number's id (`phone-…`), a pool's id (`pool-…`), a sender id (1 to 11 letters, digits, `_`, `-`),
 * or the full ARN of any of them (a shared identity must be given by its ARN). A phone number by its digits
 * is refused: IAM knows it only by its id.
 */
export type OriginationIdentities = ReadonlyMap<string, string>;

/** Every other country's identity. */
export const ANY_COUNTRY = '*';

const ARN = /^arn:aws[a-z-]*:sms-voice:[a-z0-9-]+:\d{12}:(phone-number|pool|sender-id)\/[A-Za-z0-9_/-]+$/;
const PHONE_ID = /^phone-[A-Za-z0-9]{1,64}$/;
const POOL_ID = /^pool-[A-Za-z0-9]{1,64}$/;
const SENDER_ID = /^[A-Za-z0-9_-]{1,11}$/;
const COUNTRY = /^[A-Z]{2}$/;

/** What kind of identity a value names, for its ARN; undefined when it is none this service accepts. */
export function identityKind(identity: string): 'arn' | 'phone-number' | 'pool' | 'sender-id' | undefined {
  if (ARN.test(identity)) return 'arn';
  if (PHONE_ID.test(identity)) return 'phone-number';
  if (POOL_ID.test(identity)) return 'pool';
  return SENDER_ID.test(identity) ? 'sender-id' : undefined;
}

/**
 * Reads the setting `name`; every problem goes to `problems`. `isCountry` says which two-letter codes are
 * countries (shared/config.ts's list).
 */
export function parseOriginationIdentities(
  name: string,
  value: string | undefined,
  isCountry: (code: string) => boolean,
  problems: string[],
): OriginationIdentities {
  const map = new Map<string, string>();
  for (const entry of (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const [country = '', identity = ''] = entry.split('=', 2).map((p) => p.trim());
    const code = country === ANY_COUNTRY ? ANY_COUNTRY : country.toUpperCase();
    if (!entry.includes('=') || (code !== ANY_COUNTRY && !(COUNTRY.test(code) && isCountry(code)))) {
      problems.push(`${name}: "${entry}" is not <CC>=<identity> or *=<identity> (CC an ISO 3166 alpha-2 code)`);
    } else if (!identityKind(identity)) {
      problems.push(
        `${name}: ${code}'s identity must be a phone number id (phone-…), a pool id (pool-…), a sender id or an ARN: IAM cannot name a number by its digits`,
      );
    } else if (map.has(code)) {
      problems.push(`${name}: ${code} is given twice`);
    } else {
      map.set(code, identity);
    }
  }
  return map;
}

/** The identity a message to `country` goes from: its own, else every other country's, else none (the service picks). */
export const identityFor = (identities: OriginationIdentities, country: string | undefined): string | undefined =>
  (country ? identities.get(country) : undefined) ?? identities.get(ANY_COUNTRY);

/**
 * The ARN IAM authorizes a send from `identity` as (region and account as CloudFormation pseudo parameters).
 * A sender id is registered per country: `*`'s is any of its countries.
 */
export function identityArn(identity: string, country: string): string {
  const prefix = 'arn:${AWS::Partition}:sms-voice:${AWS::Region}:${AWS::AccountId}';
  switch (identityKind(identity)) {
    case 'arn':
      return identity;
    case 'phone-number':
      return `${prefix}:phone-number/${identity}`;
    case 'pool':
      return `${prefix}:pool/${identity}`;
    case 'sender-id':
      return `${prefix}:sender-id/${identity}/${country}`;
    default:
      throw new Error(`not an origination identity: ${identity}`);
  }
}
