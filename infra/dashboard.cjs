// @ts-check
// The stage's CloudWatch dashboard (docs/operations.md "Dashboard"): the funnel of codes per country and channel
// (sent, delivered, failed, verified, the delivery and conversion rates, the time to the handset), the
// refusals, the functions' errors and throttles, and the alarms' states. Built from the metric names and
// dimensions the code emits (shared/observability.ts, through infra/operations.cjs) and the alarms of
// infra/alarms.cjs; scripts/dashboard-picture.ts draws the same widgets from a local run's figures.
'use strict';

const alarmResources = require('./alarms.cjs');
const { allowedCountries, channels, funnelDimensions, noCountry, serviceNamespace } = require('./operations.cjs');

/** The dashboard's grid is 24 columns wide. */
const COLUMNS = 24;
const COUNT_PERIOD = 300;
/** Rates are read over the hour, as the alarms judge them: receipts and verifies come minutes after a send. */
const RATE_PERIOD = 3600;
const PHONE_CHANNELS = Object.keys(channels).filter((c) => channels[c].numbers);
/** The channels that reach what has no country (email). */
const COUNTRYLESS_CHANNELS = Object.keys(channels).filter((c) => !channels[c].numbers);
const REGION = '${AWS::Region}';

/** Every (country, channel) a code can be counted under: each allow-listed country by phone, and `none` by email. */
const funnelSeries = (countries) => [
  ...countries.flatMap((country) => PHONE_CHANNELS.map((channel) => ({ country, channel }))),
  ...COUNTRYLESS_CHANNELS.map((channel) => ({ country: noCountry, channel })),
];

/** A SEARCH of one funnel metric over every channel and country it was counted under. */
const funnelSearch = (metric, stat, period) =>
  `SEARCH('{${serviceNamespace},${[...funnelDimensions, 'service'].join(',')}} MetricName="${metric}"', '${stat}', ${period})`;

const metricWidget = (title, x, y, width, height, properties) => ({
  type: 'metric',
  x,
  y,
  width,
  height,
  properties: { title, region: REGION, view: 'timeSeries', ...properties },
});

/** A time series per (channel, country) of a funnel metric, found by SEARCH (a new country or channel appears by itself). */
const searchWidget = (title, metric, x, y, width, o = {}) =>
  metricWidget(title, x, y, width, 6, {
    stat: o.stat ?? 'Sum',
    period: COUNT_PERIOD,
    metrics: [[{ expression: funnelSearch(metric, o.stat ?? 'Sum', COUNT_PERIOD), id: 'e1', label: '' }]],
  });

/**
 * 100 × numerator ÷ denominator over the hour, per (country, channel): metric math, one expression per pair,
 * since a ratio pairs two metrics of the same dimensions (SEARCH cannot).
 */
const rateWidget = (title, numerator, denominator, countries, x, y, width) => {
  const metrics = [];
  for (const { country, channel } of funnelSeries(countries)) {
    const key = `${country.toLowerCase()}_${channel}`;
    const dims = ['service', serviceNamespace, funnelDimensions[0], channel, funnelDimensions[1], country];
    metrics.push([serviceNamespace, numerator, ...dims, { id: `n_${key}`, visible: false }]);
    metrics.push([serviceNamespace, denominator, ...dims, { id: `d_${key}`, visible: false }]);
    metrics.push([{ expression: `100 * FILL(n_${key}, 0) / d_${key}`, label: `${country} ${channel}`, id: `r_${key}` }]);
  }
  return metricWidget(title, x, y, width, 6, { stat: 'Sum', period: RATE_PERIOD, yAxis: { left: { min: 0, max: 100 } }, metrics });
};

/**
 * The dashboard's body for a stage: `functions` the deployed functions' names by operation, `alarmNames`
 * the stage's alarms. `${AWS::Region}`, `${AWS::Partition}` and `${AWS::AccountId}` are left for Fn::Sub.
 * @param {{ stage: string, countries: string[], functions: Record<string, string>, alarmNames: string[] }} o
 */
function dashboardBody(o) {
  const lambda = (metric) =>
    Object.entries(o.functions).map(([operation, name]) => ['AWS/Lambda', metric, 'FunctionName', name, { label: operation }]);
  const service = (metric) => [serviceNamespace, metric, 'service', serviceNamespace, { label: metric }];
  // An alarm widget shows at most 100 alarms.
  const alarms = o.alarmNames.slice(0, 100).map((name) => `arn:\${AWS::Partition}:cloudwatch:${REGION}:\${AWS::AccountId}:alarm:${name}`);
  const widgets = [
    {
      type: 'text',
      x: 0,
      y: 0,
      width: COLUMNS,
      height: 2,
      properties: {
        markdown: `# verigate ${o.stage}: codes by country and channel\nSent, delivered and failed (receipts), verified; the delivery rate (delivered ÷ sent) and the conversion rate (verified ÷ delivered) over the hour, which fall first under SMS pumping. docs/operations.md "Dashboard".`,
      },
    },
    searchWidget('Codes sent, by country and channel', 'CodesSent', 0, 2, 8),
    searchWidget('Codes delivered, by country and channel', 'CodesDelivered', 8, 2, 8),
    searchWidget('Codes failed, by country and channel', 'CodesFailed', 16, 2, 8),
    rateWidget('Delivery rate (delivered ÷ sent, %), by country and channel', 'CodesDelivered', 'CodesSent', o.countries, 0, 8, 12),
    rateWidget(
      'Conversion rate (verified ÷ delivered, %), by country and channel',
      'CodesVerified',
      'CodesDelivered',
      o.countries,
      12,
      8,
      12,
    ),
    searchWidget('Codes verified, by country and channel', 'CodesVerified', 0, 14, 8),
    searchWidget('Time to handset (p90, ms), by country and channel', 'TimeToHandset', 8, 14, 8, { stat: 'p90' }),
    metricWidget('Refusals and failed deliveries', 16, 14, 8, 6, {
      stat: 'Sum',
      period: COUNT_PERIOD,
      metrics: ['Throttled', 'CountryBudgetExhausted', 'DestinationSuppressed', 'DeliveryFailures', 'ServerErrors'].map(service),
    }),
    metricWidget('Function errors', 0, 20, 12, 6, { stat: 'Sum', period: COUNT_PERIOD, metrics: lambda('Errors') }),
    metricWidget('Function throttles', 12, 20, 12, 6, { stat: 'Sum', period: COUNT_PERIOD, metrics: lambda('Throttles') }),
    { type: 'alarm', x: 0, y: 26, width: COLUMNS, height: 8, properties: { title: 'Alarms', alarms, sortBy: 'stateUpdatedTimestamp' } },
  ];
  return { start: '-PT6H', widgets };
}

async function dashboardResources(ctx) {
  const { resolveConfigurationProperty, resolveVariable } = ctx;
  const stage = String(await resolveVariable('sls:stage'));
  const functions = Object.fromEntries(
    Object.keys((await resolveConfigurationProperty(['functions'])) ?? {}).map((fn) => [fn, `verigate-${stage}-${fn}`]),
  );
  const { Resources } = await alarmResources(ctx);
  const alarmNames = Object.values(Resources)
    .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
    .map((r) => r.Properties.AlarmName);
  const countries = allowedCountries(String((await resolveVariable('param:smsCountryAllowlist')) ?? ''));
  const body = dashboardBody({ stage, countries, functions, alarmNames });
  return {
    Resources: {
      Dashboard: {
        Type: 'AWS::CloudWatch::Dashboard',
        Properties: { DashboardName: `verigate-${stage}`, DashboardBody: { 'Fn::Sub': JSON.stringify(body) } },
      },
    },
    Outputs: { DashboardName: { Description: 'The CloudWatch dashboard of the stage', Value: `verigate-${stage}` } },
  };
}

module.exports = dashboardResources;
module.exports.dashboardBody = dashboardBody;
module.exports.funnelSeries = funnelSeries;
module.exports.COLUMNS = COLUMNS;
