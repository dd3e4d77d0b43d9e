import { createRequire } from 'node:module';
import type { MetadataJson } from 'libphonenumber-js/core';

/**
 * libphonenumber's metadata, read on the first number a function parses rather than at import: as a
 * module it is 83 KiB ('min') to 99 KiB ('mobile') of object literal that every cold start would compile
 * and build (issue 12), while a function only needs it once a request carries a phone number.
 *
 * The files are the package's own JSON, resolved through its `exports`. From source they come from
 * node_modules; a bundle finds them in the `node_modules/libphonenumber-js` that the build copies beside
 * it (infra/esbuild-plugins.cjs), in that function's package only.
 */
export type PhoneMetadataSet = 'min' | 'mobile';

const loaded = new Map<PhoneMetadataSet, MetadataJson>();
let loadJson: NodeJS.Require | undefined;

export function phoneMetadata(set: PhoneMetadataSet): MetadataJson {
  let metadata = loaded.get(set);
  if (!metadata) {
    // Not `require`: the bundler must leave this call alone, so the JSON stays out of the bundle. Made
    // here, not at import, so a bundle that never parses a number drops this module (and its files).
    loadJson ??= createRequire(import.meta.url);
    metadata = loadJson(`libphonenumber-js/metadata.${set}.json`) as MetadataJson;
    loaded.set(set, metadata);
  }
  return metadata;
}
