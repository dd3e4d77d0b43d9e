// `npm run dashboard-picture`: draws the stage dashboard (infra/dashboard.cjs, the very widgets the template
// deploys) as an SVG, filled with local figures: the funnel per country and channel counted from a lifecycle
// events file (`.data/events.jsonl` of an `npm start` session, or `--events <file>`). With `--drive`, it first
// makes its own figures: DynamoDB Local, the real send, deliverCode, recordReceipt, verify and
// publishLifecycleEvents handlers, codes sent to End User Messaging's simulator numbers (which fail or succeed
// as AWS's do), to other numbers of the allow-listed countries and to SES's mailbox simulator, some verified.
// Writes `--out` (default docs/dashboard.svg). Widgets whose figures only CloudWatch has (Lambda errors and
// throttles) are drawn empty and say so.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { repoRoot } from '../dev/paths.js';
import type { EventLine } from '../shared/events/publisher.js';

const require = createRequire(import.meta.url);

type Widget = { type: string; x: number; y: number; width: number; height: number; properties: Record<string, any> };
interface DashboardModule {
  dashboardBody(o: { stage: string; countries: string[]; functions: Record<string, string>; alarmNames: string[] }): { widgets: Widget[] };
}
interface AlarmNaming {
  funnelAlarmName(prefix: string, rate: 'delivery' | 'conversion', country: string): string;
}

/** The funnel of one (country, channel): codes sent, delivered, failed, verified, and their times to the handset. */
export interface Figures {
  sent: number;
  delivered: number;
  failed: number;
  verified: number;
  handsetMs: number[];
}
const METRIC_OF: Record<string, keyof Omit<Figures, 'handsetMs'>> = {
  CodeSent: 'sent',
  CodeDelivered: 'delivered',
  CodeDeliveryFailed: 'failed',
  CodeVerified: 'verified',
};

/** Counts the funnel per `<country> <channel>` (country `none` for email) from lifecycle events, deduped by eventId. */
export function funnelFigures(lines: readonly EventLine[]): Map<string, Figures> {
  const seen = new Set<string>();
  const figures = new Map<string, Figures>();
  for (const { 'detail-type': type, detail } of lines) {
    const id = String(detail.eventId);
    if (seen.has(id)) continue;
    seen.add(id);
    const key = `${(detail.country as string | null) ?? 'none'} ${String(detail.channel)}`;
    const f = figures.get(key) ?? figures.set(key, { sent: 0, delivered: 0, failed: 0, verified: 0, handsetMs: [] }).get(key)!;
    const metric = METRIC_OF[type];
    if (metric) f[metric]++;
    if (type === 'CodeDelivered' && typeof detail.timeToHandsetMs === 'number') f.handsetMs.push(detail.timeToHandsetMs);
  }
  return figures;
}

const p90 = (xs: number[]) => {
  if (!xs.length) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.9 * sorted.length) - 1)]!;
};
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COL = 50;
const ROW = 34;
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** One value per series, as a horizontal bar chart inside a widget's box. */
function bars(
  x: number,
  y: number,
  w: number,
  h: number,
  rows: Array<{ label: string; value: number; text: string }>,
  max: number,
): string {
  if (!rows.length) return `<text x="${x + 10}" y="${y + 24}" class="muted">no local figures</text>`;
  const rowH = Math.min(22, (h - 10) / rows.length);
  const labelW = 90;
  return rows
    .map((r, i) => {
      const by = y + 6 + i * rowH;
      const bw = max > 0 ? ((w - labelW - 70) * r.value) / max : 0;
      return (
        `<text x="${x + 8}" y="${by + rowH * 0.7}" class="label">${esc(r.label)}</text>` +
        `<rect x="${x + labelW}" y="${by + 2}" width="${bw.toFixed(1)}" height="${(rowH - 5).toFixed(1)}" fill="${PALETTE[i % PALETTE.length]}"/>` +
        `<text x="${x + labelW + bw + 5}" y="${by + rowH * 0.7}" class="label">${esc(r.text)}</text>`
      );
    })
    .join('');
}

/** The widgets drawn with the figures: each kind as the deployed dashboard defines it. */
export function renderDashboard(
  widgets: Widget[],
  figures: Map<string, Figures>,
  alarmStates: Map<string, string>,
  caption: string,
): string {
  const series = [...figures.keys()].sort();
  const width = 24 * COL;
  const height = Math.max(...widgets.map((w) => (w.y + w.height) * ROW)) + 30;
  const parts: string[] = [];
  for (const w of widgets) {
    const x = w.x * COL + 4;
    const y = w.y * ROW + 4;
    const bw = w.width * COL - 8;
    const bh = w.height * ROW - 8;
    parts.push(`<rect x="${x}" y="${y}" width="${bw}" height="${bh}" class="box"/>`);
    if (w.type === 'text') {
      const [title, ...rest] = String(w.properties.markdown).split('\n');
      parts.push(`<text x="${x + 10}" y="${y + 26}" class="h1">${esc(title!.replace(/^#\s*/, ''))}</text>`);
      // The description, wrapped at whole words to the widget's width.
      const lines: string[] = [];
      for (const word of rest.join(' ').split(' ')) {
        const last = lines.at(-1);
        if (last !== undefined && (last + ' ' + word).length <= bw / 6) lines[lines.length - 1] = `${last} ${word}`;
        else lines.push(word);
      }
      lines.slice(0, 2).forEach((l, i) => parts.push(`<text x="${x + 10}" y="${y + 46 + i * 14}" class="muted">${esc(l)}</text>`));
      continue;
    }
    parts.push(`<text x="${x + 10}" y="${y + 20}" class="title">${esc(String(w.properties.title))}</text>`);
    const inner = { x, y: y + 28, w: bw, h: bh - 30 };
    if (w.type === 'alarm') {
      const names = w.properties.alarms as string[];
      const cols = 3;
      names.forEach((arn, i) => {
        const name = arn.split(':alarm:').at(-1)!;
        const state = alarmStates.get(name) ?? 'OK';
        const cx = inner.x + 10 + (i % cols) * (inner.w / cols);
        const cy = inner.y + 10 + Math.floor(i / cols) * 20;
        parts.push(
          `<rect x="${cx}" y="${cy}" width="10" height="10" class="${state === 'ALARM' ? 'alarm' : state === 'OK' ? 'ok' : 'nodata'}"/>`,
        );
        parts.push(`<text x="${cx + 16}" y="${cy + 9}" class="label">${esc(name)} — ${state}</text>`);
      });
      continue;
    }
    const metrics = w.properties.metrics as unknown[][];
    const search = (metrics[0]?.[0] as { expression?: string } | undefined)?.expression;
    const searched = search?.match(/MetricName="(\w+)"/)?.[1];
    if (searched) {
      const rows = series.map((s) => {
        const f = figures.get(s)!;
        const value =
          searched === 'TimeToHandset'
            ? p90(f.handsetMs)
            : f[
                ({ CodesSent: 'sent', CodesDelivered: 'delivered', CodesFailed: 'failed', CodesVerified: 'verified' } as const)[
                  searched as 'CodesSent'
                ]
              ];
        return { label: s, value, text: searched === 'TimeToHandset' ? `${value} ms` : String(value) };
      });
      parts.push(bars(inner.x, inner.y, inner.w, inner.h, rows, Math.max(1, ...rows.map((r) => r.value))));
      continue;
    }
    const rate = metrics.filter((m) => typeof m[1] === 'string' && m[0] === 'verigate' && String(m[1]).startsWith('Codes'));
    if (rate.length) {
      const [num, den] = [rate[0]![1], rate[1]![1]] as [string, string];
      const key = { CodesSent: 'sent', CodesDelivered: 'delivered', CodesVerified: 'verified' } as const;
      const rows = series
        .filter((s) => figures.get(s)![key[den as 'CodesSent']] > 0)
        .map((s) => {
          const f = figures.get(s)!;
          const value = (100 * f[key[num as 'CodesSent']]) / f[key[den as 'CodesSent']];
          return { label: s, value, text: `${value.toFixed(0)} %` };
        });
      parts.push(bars(inner.x, inner.y, inner.w, inner.h, rows, 100));
      continue;
    }
    parts.push(`<text x="${inner.x + 10}" y="${inner.y + 20}" class="muted">none locally: CloudWatch's own figures</text>`);
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    '<style>.box{fill:#fff;stroke:#d5dbdb}.h1{font-size:18px;font-weight:bold;fill:#16191f}.title{font-size:13px;font-weight:bold;fill:#16191f}',
    '.label{font-size:11px;fill:#16191f}.muted{font-size:11px;fill:#687078}.ok{fill:#1d8102}.alarm{fill:#d13212}.nodata{fill:#aab7b8}</style>',
    `<rect width="${width}" height="${height}" fill="#f2f3f3"/>`,
    ...parts,
    `<text x="8" y="${height - 10}" class="muted">${esc(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

/** The states the per-country rate alarms would have on these figures (their default thresholds). */
function rateAlarmStates(
  naming: AlarmNaming,
  prefix: string,
  countries: string[],
  figures: Map<string, Figures>,
  o: { delivery: number; conversion: number; minimum: number },
) {
  const states = new Map<string, string>();
  for (const country of countries) {
    const phone = [...figures.entries()].filter(([k]) => k.startsWith(`${country} `) && !k.endsWith(' email')).map(([, f]) => f);
    const sum = (k: keyof Omit<Figures, 'handsetMs'>) => phone.reduce((n, f) => n + f[k], 0);
    const judge = (num: number, den: number, threshold: number) =>
      den < o.minimum ? 'OK' : (100 * num) / den < threshold ? 'ALARM' : 'OK';
    states.set(naming.funnelAlarmName(prefix, 'delivery', country), judge(sum('delivered'), sum('sent'), o.delivery));
    states.set(naming.funnelAlarmName(prefix, 'conversion', country), judge(sum('verified'), sum('delivered'), o.conversion));
  }
  return states;
}

/** Makes local figures: the real handlers on DynamoDB Local, codes to simulator and ordinary numbers, some verified. */
async function drive(): Promise<{ eventsFile: string; cleanup: () => Promise<void> }> {
  // Before the handlers' modules load: their logger and metrics are made at import.
  process.env.LOG_LEVEL = 'SILENT';
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const { startDynamoDbLocal } = await import('../dev/emulator.js');
  const { createLocalRuntime } = await import('../dev/support/runtime.js');
  const { startLocalDelivery } = await import('../dev/support/delivery.js');
  const { startLocalReceipts } = await import('../dev/support/receipts.js');
  const { startLocalLifecycle } = await import('../dev/support/lifecycle.js');
  const { httpEvent, invokeHandler } = await import('../dev/support/events.js');
  const { uniqueIp } = await import('../dev/support/identities.js');
  const { createSendVerificationCodeHandler } = await import('../functions/send-verification-code.js');
  const { createVerifyVerificationCodeHandler } = await import('../functions/verify-verification-code.js');
  const { mintAppToken, mintCaptchaToken } = await import('./tokens.js');
  const { OPERATIONS } = await import('../shared/operations.js');

  const workDir = mkdtempSync(path.join(tmpdir(), 'verigate-dashboard-'));
  const dynamo = await startDynamoDbLocal();
  const local = await createLocalRuntime({ endpoint: dynamo.endpoint, workDir, env: { SMS_HOURLY_BUDGET_PER_COUNTRY: '100000' } });
  const delivery = startLocalDelivery(local);
  const receipts = startLocalReceipts(local);
  const lifecycle = startLocalLifecycle(local);
  const send = createSendVerificationCodeHandler(local.rt);
  const verify = createVerifyVerificationCodeHandler(local.rt);
  const appToken = await mintAppToken(local.config);
  let serial = 0;
  const digits = (n: number) => String((++serial * 7919) % 10 ** n).padStart(n, '0');

  async function code(user: string, sendMethod: string | undefined, verifyIt = true): Promise<void> {
    const token = await mintCaptchaToken(local.config, user);
    const body = { user, token, ...(sendMethod ? { sendMethod } : {}) };
    const answer = await invokeHandler(send, httpEvent(OPERATIONS.sendVerificationCode.route.path, body, {}, uniqueIp()));
    if (answer.statusCode !== 200) throw new Error(`send to ${user} answered ${answer.statusCode}: ${answer.body}`);
    await delivery.drain();
    await receipts.drain();
    const message = local
      .outbox()
      .filter((m) => m.to === user)
      .at(-1);
    if (!verifyIt || !message) return;
    await invokeHandler(
      verify,
      httpEvent(
        OPERATIONS.verifyVerificationCode.route.path,
        { contact: user, verificationCode: message.code },
        { 'x-access-token': appToken },
        uniqueIp(),
      ),
    );
  }
  // A country of each behaviour: Hong Kong healthy (with its failure simulator number), Taiwan with a bad
  // route (its failure simulator number, often), mainland China healthy, Macao delivered but hardly verified
  // (the pumping signature), and email through SES's mailbox simulator.
  for (let i = 0; i < 24; i++) await code(`+8529123${digits(4)}`, i % 4 === 0 ? 'voice' : 'sms', i % 6 !== 0);
  for (let i = 0; i < 3; i++) await code('+85257048854', 'sms');
  for (let i = 0; i < 14; i++) await code(`+88691${digits(7)}`, 'sms', i % 3 !== 0);
  for (let i = 0; i < 9; i++) await code('+886903444632', 'sms');
  for (let i = 0; i < 26; i++) await code(`+86139${digits(8)}`, 'sms', i % 5 !== 0);
  for (let i = 0; i < 22; i++) await code(`+85366${digits(6)}`, 'sms', i % 9 === 0);
  for (let i = 0; i < 8; i++) await code(`success+${i}@simulator.amazonses.com`, undefined, i % 4 !== 0);
  await code('bounce@simulator.amazonses.com', undefined);
  await lifecycle.drain();
  return {
    eventsFile: path.join(path.dirname(local.outboxPath), 'events.jsonl'),
    cleanup: async () => {
      await Promise.all([delivery.stop(), receipts.stop(), lifecycle.stop()]);
      await dynamo.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { events: { type: 'string' }, out: { type: 'string' }, drive: { type: 'boolean' }, countries: { type: 'string' } },
  });
  const driven = values.drive ? await drive() : undefined;
  try {
    const eventsFile = driven?.eventsFile ?? values.events ?? path.join(repoRoot, '.data', 'events.jsonl');
    if (!existsSync(eventsFile)) throw new Error(`no events file at ${eventsFile}: run \`npm start\` and send some codes, or pass --drive`);
    const lines = readFileSync(eventsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as EventLine);
    const figures = funnelFigures(lines);
    const { dashboardBody } = require('../infra/dashboard.cjs') as DashboardModule;
    const naming = require('../infra/alarms.cjs') as AlarmNaming;
    const countries = (values.countries ?? 'CN,HK,MO,TW').split(',');
    const prefix = 'verigate-local';
    const alarmNames = countries.flatMap((c) => [
      naming.funnelAlarmName(prefix, 'delivery', c),
      naming.funnelAlarmName(prefix, 'conversion', c),
    ]);
    const body = dashboardBody({ stage: 'local', countries, functions: {}, alarmNames });
    const states = rateAlarmStates(naming, prefix, countries, figures, { delivery: 80, conversion: 50, minimum: 20 });
    const svg = renderDashboard(
      body.widgets,
      figures,
      states,
      `Drawn by npm run dashboard-picture from ${lines.length} local lifecycle events; the per-country rate alarms judged by their default thresholds.`,
    );
    const out = values.out ?? path.join(repoRoot, 'docs', 'dashboard.svg');
    writeFileSync(out, svg);
    process.stdout.write(`wrote ${path.relative(process.cwd(), out)} (${figures.size} series from ${lines.length} events)\n`);
  } finally {
    await driven?.cleanup();
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
