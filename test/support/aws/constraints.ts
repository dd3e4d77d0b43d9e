// Smithy's constraint traits as AWS services enforce them on input: @required, @length (characters of a
// string, entries of a list or map), @pattern (ECMA 262 regular expression, unanchored unless the pattern
// anchors itself), @range and enum values (https://smithy.io/2.0/spec/constraint-traits.html). The shapes
// that use them are transcribed, member by member, in each stand-in from the service's Smithy model.
// A member of the wrong JSON type is a SerializationException, as the awsJson and restJson1 protocols say.
import { ServiceError } from './stand-in-server.js';

export type Rule =
  | { type: 'string'; required?: boolean; length?: [number, number?]; pattern?: RegExp; enum?: readonly string[] }
  | { type: 'integer'; required?: boolean; range?: [number, number] }
  | { type: 'boolean'; required?: boolean }
  | { type: 'timestamp'; required?: boolean }
  | { type: 'map'; required?: boolean; length?: [number, number?]; key: Rule; value: Rule }
  | { type: 'list'; required?: boolean; length?: [number, number?]; member: Rule }
  | { type: 'structure'; required?: boolean; members: Record<string, Rule> };

export interface Violation {
  /** The member's path, e.g. "Destination.ToAddresses[0]". */
  name: string;
  message: string;
  missing: boolean;
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

function check(rule: Rule, value: unknown, name: string, out: Violation[]): void {
  if (value === undefined || value === null) {
    if (rule.required) out.push({ name, message: 'Member must not be null', missing: true });
    return;
  }
  const wrongType = () => {
    throw new ServiceError('SerializationException', 400, `Member ${name} must be of type ${rule.type}, not ${show(value)}.`);
  };
  const checkLength = (n: number, length?: [number, number?]) => {
    if (!length) return;
    const [min, max] = length;
    if (n < min) out.push({ name, message: `Member must have length greater than or equal to ${min}`, missing: false });
    if (max !== undefined && n > max) out.push({ name, message: `Member must have length less than or equal to ${max}`, missing: false });
  };
  switch (rule.type) {
    case 'string':
      if (typeof value !== 'string') return wrongType();
      // Smithy's @length counts Unicode scalar values, not UTF-16 code units.
      checkLength([...value].length, rule.length);
      if (rule.pattern && !rule.pattern.test(value)) {
        out.push({ name, message: `Member must satisfy regular expression pattern: ${rule.pattern.source}`, missing: false });
      }
      if (rule.enum && !rule.enum.includes(value)) {
        out.push({ name, message: `Member must satisfy enum value set: [${rule.enum.join(', ')}]`, missing: false });
      }
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return wrongType();
      if (rule.range && value < rule.range[0])
        out.push({ name, message: `Member must have value greater than or equal to ${rule.range[0]}`, missing: false });
      if (rule.range && value > rule.range[1])
        out.push({ name, message: `Member must have value less than or equal to ${rule.range[1]}`, missing: false });
      return;
    case 'boolean':
      if (typeof value !== 'boolean') wrongType();
      return;
    case 'timestamp':
      if (typeof value !== 'number') wrongType();
      return;
    case 'map': {
      if (typeof value !== 'object' || Array.isArray(value)) return wrongType();
      const entries = Object.entries(value as Record<string, unknown>);
      checkLength(entries.length, rule.length);
      for (const [k, v] of entries) {
        check(rule.key, k, `${name}.key`, out);
        check(rule.value, v, `${name}.${k}`, out);
      }
      return;
    }
    case 'list':
      if (!Array.isArray(value)) return wrongType();
      checkLength(value.length, rule.length);
      value.forEach((v, i) => check(rule.member, v, `${name}[${i}]`, out));
      return;
    case 'structure':
      if (typeof value !== 'object' || Array.isArray(value)) return wrongType();
      for (const [member, r] of Object.entries(rule.members))
        check(r, (value as Record<string, unknown>)[member], name ? `${name}.${member}` : member, out);
      return;
  }
}

/** The violations of an operation's input; throws SerializationException for a member of the wrong type. */
export function violations(members: Record<string, Rule>, input: unknown): Violation[] {
  const out: Violation[] = [];
  check({ type: 'structure', members }, input, '', out);
  return out;
}

/** AWS's wording: "2 validation errors detected: Value 'x' at 'a' failed to satisfy constraint: …; …". */
export function validationMessage(found: Violation[], input: unknown): string {
  const valueAt = (path: string) =>
    path
      .split(/\.|\[(\d+)\]/)
      .filter((p) => p !== undefined && p !== '')
      .reduce<unknown>((v, p) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[p] : undefined), input);
  const lowerFirst = (p: string) => p.replace(/(^|\.)([A-Z])/g, (_m, dot: string, c: string) => dot + c.toLowerCase());
  const parts = found.map(
    (v) =>
      `Value ${v.missing ? 'null' : `'${show(valueAt(v.name))}'`} at '${lowerFirst(v.name)}' failed to satisfy constraint: ${v.message}`,
  );
  return `${found.length} validation error${found.length === 1 ? '' : 's'} detected: ${parts.join('; ')}`;
}
