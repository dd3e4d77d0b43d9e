// @ts-check
// esbuild plugins for serverless-esbuild (serverless.yml custom.esbuild.plugins).
'use strict';

const { mkdirSync, readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const PHONE_METADATA_LOADER = 'shared/identity/phone-metadata.ts';
const PHONE_METADATA_SETS = ['min', 'mobile'];

/**
 * libphonenumber's metadata stays out of the bundle (shared/identity/phone-metadata.ts reads it on the first
 * number parsed). For each function whose bundle contains that loader, this writes the JSON files and a
 * package.json exporting only them under `__only_<function>/node_modules/libphonenumber-js/`, which
 * serverless-esbuild puts in that function's zip alone, as `node_modules/libphonenumber-js/`, and under the
 * build folder's `node_modules/` for the bundles run where they are built (`npm start`, the e2e suite).
 *
 * @param {{ service: { functions: Record<string, { handler?: string }> } }} serverless
 * @returns {import('esbuild').Plugin}
 */
function phoneMetadataFiles(serverless) {
  return {
    name: 'verigate-phone-metadata-files',
    setup(build) {
      build.initialOptions.metafile = true;
      build.onEnd((result) => {
        if (result.errors.length > 0 || !result.metafile) return;
        const { entryPoints, outdir } = build.initialOptions;
        const entry = Array.isArray(entryPoints) && typeof entryPoints[0] === 'string' ? entryPoints[0] : undefined;
        if (!entry || !outdir) throw new Error('verigate-phone-metadata-files: expected one entry point and an outdir');
        // Inputs list modules tree-shaken away too: only a loader that made it into the output counts.
        const usesMetadata = Object.values(result.metafile.outputs).some((o) => (o.inputs[PHONE_METADATA_LOADER]?.bytesInOutput ?? 0) > 0);
        if (!usesMetadata) return;
        const handlerPrefix = entry.replace(/\.[cm]?[jt]s$/, '.');
        const functionNames = Object.entries(serverless.service.functions)
          .filter(([, f]) => f.handler?.startsWith(handlerPrefix))
          .map(([name]) => name);
        if (functionNames.length === 0) throw new Error(`verigate-phone-metadata-files: no function has ${entry} as handler`);
        // outdir is <build dir>/<entry's folder>
        const buildDir = outdir.slice(0, outdir.length - path.dirname(entry).length);
        const source = path.dirname(require.resolve('libphonenumber-js/package.json'));
        const { version } = JSON.parse(readFileSync(path.join(source, 'package.json'), 'utf8'));
        const files = PHONE_METADATA_SETS.map((set) => `metadata.${set}.json`);
        const manifest = {
          name: 'libphonenumber-js',
          version,
          private: true,
          exports: Object.fromEntries(files.map((f) => [`./${f}`, `./${f}`])),
        };
        // Each function's zip gets its own copy; the build folder's own node_modules (which serverless-esbuild
        // leaves out of every zip) is what a bundle run in place finds: serverless-offline's.
        const targets = [buildDir, ...functionNames.map((name) => path.join(buildDir, `__only_${name}`))];
        for (const root of targets) {
          const target = path.join(root, 'node_modules', 'libphonenumber-js');
          mkdirSync(target, { recursive: true });
          writeFileSync(path.join(target, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
          for (const f of files) writeFileSync(path.join(target, f), readFileSync(path.join(source, f)));
        }
      });
    },
  };
}

/**
 * Node's built-in modules reach the bundle through `require` (the banner's createRequire), not as ES
 * modules. Importing a built-in as an ES module makes Node build its namespace from every export, which
 * reads every lazy getter: `import('node:http')`, which the SDK's HTTP handler makes on its first plain-HTTP
 * request, then loads undici for `http.WebSocket` and friends, ~15 ms of a first request; every statically
 * imported built-in costs a little too. As CommonJS, esbuild's interop reads a property only when the code does.
 *
 * @returns {import('esbuild').Plugin}
 */
function builtinsThroughRequire() {
  const NAMESPACE = 'verigate-builtin';
  const builtins = new Set(require('node:module').builtinModules);
  return {
    name: 'verigate-builtins-through-require',
    setup(build) {
      build.onResolve({ filter: /^(node:)?[a-z_][a-z_0-9/]*$/ }, (args) => {
        const name = args.path.replace(/^node:/, '');
        if (!builtins.has(name)) return undefined;
        // The shim's own require stays a require of the built-in.
        if (args.namespace === NAMESPACE) return { path: `node:${name}`, external: true };
        // Loading a built-in has no effect the bundle relies on: an import nothing uses is dropped.
        return { path: name, namespace: NAMESPACE, sideEffects: false };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`node:${args.path}`)});`,
        loader: 'js',
      }));
    },
  };
}

/** @param {Parameters<typeof phoneMetadataFiles>[0]} serverless */
module.exports = (serverless) => [builtinsThroughRequire(), phoneMetadataFiles(serverless)];
module.exports.builtinsThroughRequire = builtinsThroughRequire;
