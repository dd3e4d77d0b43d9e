// Headless Chromium for the browser test, obtained like DynamoDB Local and the Lambda Node: the build that
// @sparticuz/chromium ships inside its npm package (a brotli'd chromium-headless-shell for linux-x64 with
// its SwiftShader GL and the NSS libraries of Amazon Linux), plus a CJK font from @expo-google-fonts/noto-sans-sc
// for the zh-CN screenshots, fetched with `npm pack` into .cache/ on first use. Neither is a dependency:
// @sparticuz/chromium's own loader wants Node 22+ and inflates into the machine-wide /tmp, which every
// checkout on the machine would share, and nothing but this test needs the 130 MB.
// A system Chromium is used only when CHROMIUM_PATH names it.
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, chmod, constants, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createBrotliDecompress } from 'node:zlib';
import type { LaunchOptions } from 'playwright-core';
import { repoRoot } from './paths.js';

/** Pinned: a browser that changed under the tests would be a new source of failures. */
const CHROMIUM_VERSION = '153.0.0';
export const CHROMIUM_PACKAGE = `@sparticuz/chromium@${CHROMIUM_VERSION}`;
const FONT_PACKAGE = '@expo-google-fonts/noto-sans-sc@0.4.3';
const FONT_FILES = ['400Regular/NotoSansSC_400Regular.ttf', '700Bold/NotoSansSC_700Bold.ttf', 'LICENSE_FONT'];
const DEFAULT_CACHE_DIR = path.join(repoRoot, '.cache', `chromium-${CHROMIUM_VERSION}`);

/**
 * Root needs --no-sandbox; without the background-networking flags Chromium's own connections to Google
 * hosts are refused by this machine's closed network, many at a time, and slow every start.
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Our fonts only (the package's Open Sans and Noto Sans SC), so screenshots look the same on every machine. */
const FONTS_CONF = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir prefix="relative">fonts</dir>
</fontconfig>
`;

/** No Chromium can be had: the message is one line that names the fix. */
export class ChromiumUnavailable extends Error {
  override name = 'ChromiumUnavailable';
  constructor(message: string) {
    super(message);
    // The line is the whole story; a stack would only bury it.
    this.stack = `${this.name}: ${message}`;
  }
}

const FIX = 'or set CHROMIUM_PATH to a Chromium or chromium-headless-shell binary';

function run(command: string, args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: o.cwd, env: o.env ?? process.env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${(stderr.trim() || error.message).split('\n').at(-1)}`));
      else resolve(stdout);
    });
  });
}

/** What `<binary> --version` prints, or the reason it did not run. */
async function versionOf(binary: string, env?: NodeJS.ProcessEnv): Promise<{ version: string } | { failure: string }> {
  try {
    await access(binary, constants.X_OK);
    return { version: (await run(binary, ['--version'], { cwd: path.dirname(binary), env })).trim() };
  } catch (error) {
    return { failure: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * Brotli-decompresses `file` into `out`, or (a .tar.br) into a .tar beside it that `tar -x` unpacks into the
 * folder `out`. Not piped into tar: tar may exit at the archive's end marker before the padding after it is
 * written, which ends the pipe early ("Premature close") on some runs.
 */
async function inflate(file: string, out: string): Promise<void> {
  const source = createReadStream(file).pipe(createBrotliDecompress());
  if (!file.endsWith('.tar.br')) return pipeline(source, createWriteStream(out, { mode: 0o755 }));
  const tarFile = file.replace(/\.br$/, '');
  await pipeline(source, createWriteStream(tarFile));
  await mkdir(out, { recursive: true });
  await run('tar', ['-xf', tarFile, '--no-same-owner', '-C', out], { cwd: path.dirname(tarFile) });
}

/** The cached build: the binary, and the environment it needs (our fonts; Amazon Linux's NSS where the system has none). */
async function cachedChromium(dir: string): Promise<{ version: string; env: NodeJS.ProcessEnv } | undefined> {
  const binary = path.join(dir, 'chromium');
  const fonts = { FONTCONFIG_FILE: path.join(dir, 'fonts.conf') };
  try {
    await access(fonts.FONTCONFIG_FILE);
  } catch {
    return undefined; // written last: the folder is incomplete
  }
  const plain = await versionOf(binary);
  if ('version' in plain) return { version: plain.version, env: { ...process.env, ...fonts } };
  if (!/error while loading shared libraries/.test(plain.failure)) return undefined;
  // A machine without libnss3/libnspr4 (Debian's node images have them): the package's own copies.
  const lib = path.join(dir, 'lib');
  const env = { ...process.env, ...fonts, LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  const withLibs = await versionOf(binary, env);
  if ('version' in withLibs) return { version: withLibs.version, env };
  throw new ChromiumUnavailable(`the fetched Chromium does not start (${withLibs.failure}); install the library it names, ${FIX}`);
}

/** `npm pack`s exact versions into `dest`: the tarball of each spec. */
async function npmPack(specs: string[], dest: string): Promise<Record<string, string>> {
  // Exact versions never change, so npm's own cache may answer; a registry that cannot be reached
  // fails within seconds instead of npm's default minute of retries.
  const args = ['pack', ...specs, '--json', '--pack-destination', dest, '--prefer-offline'];
  args.push('--fetch-retries=1', '--fetch-retry-mintimeout=1000', '--fetch-retry-maxtimeout=3000');
  const { stdout, failure } = await new Promise<{ stdout: string; failure?: string }>((resolve) => {
    execFile('npm', args, { cwd: dest, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ stdout, failure: error ? (stderr.match(/^npm error (?!A complete log).*$/m)?.[0] ?? error.message) : undefined }),
    );
  });
  let answer: unknown;
  try {
    answer = JSON.parse(stdout);
  } catch {
    answer = undefined;
  }
  const summary = (answer as { error?: { summary?: string } } | undefined)?.error?.summary;
  if (failure || !Array.isArray(answer)) {
    const why = (summary ?? failure ?? 'no answer').split('\n')[0];
    throw new ChromiumUnavailable(
      `could not fetch ${specs.join(' and ')} from the npm registry (${why}); reach it once (the result is kept in .cache/), ${FIX}`,
    );
  }
  const tarballs: Record<string, string> = {};
  for (const spec of specs) {
    const file = (answer as Array<{ id?: string; filename?: string }>).find((p) => p.id === spec)?.filename;
    if (!file) throw new Error(`npm pack ${spec} printed no filename`);
    tarballs[spec] = path.join(dest, path.basename(file));
  }
  return tarballs;
}

/** Removes work dirs left by killed fetches, old enough not to belong to a fetch in progress. */
async function removeStaleWorkDirs(parent: string, prefix: string): Promise<void> {
  for (const name of await readdir(parent)) {
    if (!name.startsWith(prefix)) continue;
    const stale = path.join(parent, name);
    if (Date.now() - (await stat(stale).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs > 60 * 60 * 1000) {
      await rm(stale, { recursive: true, force: true });
    }
  }
}

/** Fetches both packages and lays out `dir` (chromium, its GL libraries, lib/, fonts/, fonts.conf) atomically. */
async function fetchChromium(dir: string): Promise<void> {
  const parent = path.dirname(dir);
  await mkdir(parent, { recursive: true });
  const prefix = `${path.basename(dir)}.tmp-`;
  await removeStaleWorkDirs(parent, prefix);
  const started = Date.now();
  console.log(`Downloading headless Chromium (npm pack ${CHROMIUM_PACKAGE} ${FONT_PACKAGE}) into ${path.relative(repoRoot, dir)} ...`);
  const work = await mkdtemp(path.join(parent, prefix));
  try {
    const packed = await npmPack([CHROMIUM_PACKAGE, FONT_PACKAGE], work);
    const out = path.join(work, 'chromium');
    const fonts = path.join(out, 'fonts', 'NotoSansSC');
    await mkdir(fonts, { recursive: true });
    const fontFiles = FONT_FILES.map((f) => `package/${f}`);
    await Promise.all([
      run('tar', ['-xzf', packed[FONT_PACKAGE]!, '--no-same-owner', '-C', fonts, '--strip-components=1', ...fontFiles], { cwd: work }),
      run('tar', ['-xzf', packed[CHROMIUM_PACKAGE]!, '--no-same-owner', '-C', work, 'package/bin'], { cwd: work }),
    ]);
    const bin = path.join(work, 'package', 'bin');
    await Promise.all([
      inflate(path.join(bin, 'chromium.br'), path.join(out, 'chromium')),
      inflate(path.join(bin, 'swiftshader.tar.br'), out),
      // fonts/Open_Sans (and a fonts.conf for Lambda's paths, replaced below).
      inflate(path.join(bin, 'fonts.tar.br'), out),
      inflate(path.join(bin, 'al2023.tar.br'), out),
    ]);
    await chmod(path.join(out, 'chromium'), 0o755);
    await writeFile(path.join(out, 'fonts.conf'), FONTS_CONF);
    // A leftover folder that does not run (an older or broken fetch) would block the rename.
    if (!(await cachedChromium(dir).catch(() => undefined))) await rm(dir, { recursive: true, force: true });
    try {
      await rename(out, dir);
    } catch (error) {
      // A concurrent fetch (another worker) won the race: use its copy.
      if (!(await cachedChromium(dir))) throw error;
    }
    console.log(`Headless Chromium ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * How to launch headless Chromium with playwright-core: CHROMIUM_PATH when set, else the build fetched
 * into .cache/ (on first use). Throws ChromiumUnavailable, with one line naming the fix, where none can be had.
 */
export async function chromiumLaunchOptions(o: { cacheDir?: string } = {}): Promise<LaunchOptions> {
  const system = process.env.CHROMIUM_PATH;
  if (system) {
    const found = await versionOf(system);
    if ('failure' in found) {
      throw new ChromiumUnavailable(
        `CHROMIUM_PATH=${system} does not run (${found.failure}); point it at a Chromium binary, or unset it to use the one fetched from npm`,
      );
    }
    return { executablePath: system, headless: true, args: CHROMIUM_ARGS };
  }
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new ChromiumUnavailable(
      `${CHROMIUM_PACKAGE} ships Chromium for linux-x64 only (this is ${process.platform}-${process.arch}); set CHROMIUM_PATH to a Chromium binary`,
    );
  }
  const dir = o.cacheDir ?? DEFAULT_CACHE_DIR;
  let cached = await cachedChromium(dir);
  if (!cached) {
    await fetchChromium(dir);
    cached = await cachedChromium(dir);
    if (!cached) throw new ChromiumUnavailable(`${CHROMIUM_PACKAGE} was fetched into ${dir} but its chromium does not run; ${FIX}`);
  }
  return { executablePath: path.join(dir, 'chromium'), headless: true, args: CHROMIUM_ARGS, env: cached.env };
}
