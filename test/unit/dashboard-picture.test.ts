// The dashboard's picture (scripts/dashboard-picture.ts): the funnel counted from lifecycle events, each
// change once however often it was delivered, drawn into the very widgets infra/dashboard.cjs deploys.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { funnelFigures, renderDashboard } from '../../scripts/dashboard-picture.js';
import type { EventLine } from '../../shared/events/publisher.js';

const require = createRequire(import.meta.url);
const { dashboardBody } = require('../../infra/dashboard.cjs') as {
  dashboardBody(o: object): {
    widgets: Array<{ type: string; x: number; y: number; width: number; height: number; properties: Record<string, any> }>;
  };
};

const line = (type: string, eventId: string, detail: Record<string, unknown> = {}): EventLine => ({
  time: '2026-12-06T10:00:00.000Z',
  source: 'verigate.codes',
  'detail-type': type,
  detail: { eventId, channel: 'sms', country: 'HK', ...detail },
});

describe('the dashboard picture', () => {
  it('counts the funnel per country and channel, each event once (a redelivered one has the same eventId)', () => {
    const figures = funnelFigures([
      line('CodeSent', 'a'),
      line('CodeSent', 'b'),
      line('CodeDelivered', 'c', { timeToHandsetMs: 900 }),
      line('CodeDelivered', 'c', { timeToHandsetMs: 900 }),
      line('CodeDeliveryFailed', 'd'),
      line('CodeVerified', 'e'),
      line('VerificationLocked', 'f'),
      line('CodeSent', 'g', { channel: 'email', country: null }),
    ]);
    expect(figures.get('HK sms')).toEqual({ sent: 2, delivered: 1, failed: 1, verified: 1, handsetMs: [900] });
    expect(figures.get('none email')).toEqual({ sent: 1, delivered: 0, failed: 0, verified: 0, handsetMs: [] });
  });

  it("draws every widget of the deployed dashboard, the rates as the figures make them, and the alarms' states", () => {
    const body = dashboardBody({ stage: 'local', countries: ['HK'], functions: {}, alarmNames: ['verigate-local-conversion-rate-HK'] });
    const figures = funnelFigures([
      line('CodeSent', 'a'),
      line('CodeSent', 'b'),
      line('CodeDelivered', 'c'),
      line('CodeDelivered', 'd'),
      line('CodeVerified', 'e'),
    ]);
    const svg = renderDashboard(body.widgets, figures, new Map([['verigate-local-conversion-rate-HK', 'ALARM']]), 'caption');
    for (const w of body.widgets.filter((w) => w.type === 'metric'))
      expect(svg).toContain(String(w.properties.title).replace(/&/g, '&amp;'));
    expect(svg).toContain('>100 %<'); // delivered ÷ sent
    expect(svg).toContain('>50 %<'); // verified ÷ delivered
    expect(svg).toContain('verigate-local-conversion-rate-HK — ALARM');
  });
});
