// @ts-check
// The web ACL in front of the REST API stage (docs/operations.md "The edge"): a REGIONAL AWS WAF web ACL in the
// stack's own region, associated with the stage, so no request reaches a function around it. It counts per
// source address (every route, and send's own stricter rate) and per partner token (check-identity), and
// answers what it refuses in the route's family: 429 over a rate, 403 from an address on AWS's IP reputation
// lists, each a JSON body of the family (a static body: its request_id is empty, the edge has none of ours).
// Metrics and sampled requests only: no logging configuration, so a blocked flood writes no log line.
'use strict';

const { ref } = require('./cfn.cjs');
const { EDGE, errors, httpOperations, stageParam } = require('./operations.cjs');
const { REST_API, STAGE } = require('./rest-api.cjs');

const WEB_ACL = 'WebAcl';
/** AWS's managed lists of addresses with a bad reputation (bots, scanners); its rules label what they match. */
const IP_REPUTATION_GROUP = 'AWSManagedRulesAmazonIpReputationList';
/** The labels of the group's rules that block by default (its DDoS list only counts, and is left counting). */
const REPUTATION_LABELS = ['AWSManagedIPReputationList', 'AWSManagedReconnaissanceList'].map(
  (rule) => `awswaf:managed:aws:amazon-ip-list:${rule}`,
);
/** What the all-routes rate rule labels a source over its rate with; the route's rule answers it. */
const OVER_IP_RATE_LABEL = 'verigate:ip-rate';
/** WAF refuses a rate limit under this (requests per window). */
const MIN_RATE_LIMIT = 10;

/** SPEC §1: USG answers in Chinese unless asked otherwise, CBC in English; an edge answer cannot ask. */
const languageOf = (family) => (family === 'USG' ? 'zh-CN' : 'en-US');

/** The family body WAF answers with, as the functions would write it (without our request id). */
function familyBody(code, retryAfterSeconds) {
  const { family } = errors.ERROR_CODES[code];
  const body = { error_code: code, error_msg: errors.messageFor(code, languageOf(family)) };
  if (family === 'USG') Object.assign(body, { request_id: '', ...(retryAfterSeconds ? { retry_after: retryAfterSeconds } : {}) });
  return JSON.stringify(body);
}

const bodyKey = (code) => code.replace(/\W/g, '_');
const visibility = (metric) => ({ SampledRequestsEnabled: true, CloudWatchMetricsEnabled: true, MetricName: metric });

/**
 * Requests to the route's path, however its slashes and escapes are written, under any stage prefix
 * (`/prod/...` on the execute-api URL) and with a trailing slash; no other route's path contains it.
 */
const onPath = (path) => ({
  ByteMatchStatement: {
    FieldToMatch: { UriPath: {} },
    PositionalConstraint: 'CONTAINS',
    SearchString: path,
    TextTransformations: [
      { Priority: 0, Type: 'URL_DECODE' },
      { Priority: 1, Type: 'NORMALIZE_PATH' },
    ],
  },
});

const labelled = (key) => ({ LabelMatchStatement: { Scope: 'LABEL', Key: key } });
const anyOf = (statements) => (statements.length === 1 ? statements[0] : { OrStatement: { Statements: statements } });

async function rateLimit(resolveVariable, name, fallback) {
  const limit = await stageParam(resolveVariable, name, fallback, { integer: true });
  if (limit < MIN_RATE_LIMIT)
    throw new Error(`infra/waf.cjs: param ${name} must be at least ${MIN_RATE_LIMIT} (requests per ${EDGE.wafWindowSeconds} s)`);
  return limit;
}

/**
 * The rules, in the order WAF evaluates them, each with what it is for: `blocks` (a terminating rule, watched
 * by an alarm on its BlockedRequests) or counting only.
 */
async function webAclRules(stage, resolveVariable) {
  const window = EDGE.wafWindowSeconds;
  const metric = (name) => `verigate-${stage}-${name}`;
  const partnerRate = Number(await resolveVariable('param:partnerRequestsPerSecond'));
  const rules = [];
  const add = (name, rule, blocks) =>
    rules.push({ blocks, rule: { Name: name, Priority: rules.length, ...rule, VisibilityConfig: visibility(metric(name)) } });
  const block = (code, retryAfterSeconds) => ({
    Block: {
      CustomResponse: {
        ResponseCode: errors.ERROR_CODES[code].status,
        CustomResponseBodyKey: bodyKey(code),
        ...(retryAfterSeconds ? { ResponseHeaders: [{ Name: 'Retry-After', Value: String(retryAfterSeconds) }] } : {}),
      },
    },
  });

  // Signals: what these match is only labelled here, and answered below in the route's family.
  add(
    'ip-reputation',
    { Statement: { ManagedRuleGroupStatement: { VendorName: 'AWS', Name: IP_REPUTATION_GROUP } }, OverrideAction: { Count: {} } },
    false,
  );
  add(
    'ip-rate',
    {
      Statement: {
        RateBasedStatement: {
          Limit: await rateLimit(resolveVariable, 'wafIpRateLimit', EDGE.sourceIpRate),
          EvaluationWindowSec: window,
          AggregateKeyType: 'IP',
        },
      },
      Action: { Count: {} },
      RuleLabels: [{ Name: OVER_IP_RATE_LABEL }],
    },
    false,
  );

  for (const o of httpOperations) {
    add(
      `${o.name}-ip-reputation`,
      {
        Statement: { AndStatement: { Statements: [anyOf(REPUTATION_LABELS.map(labelled)), onPath(o.route.path)] } },
        Action: block(o.edge.listedSource),
      },
      true,
    );
  }
  for (const o of httpOperations) {
    if (o.edge.sourceIpRate)
      add(
        `${o.name}-ip-rate`,
        {
          Statement: {
            RateBasedStatement: {
              Limit: await rateLimit(resolveVariable, `${o.stageParams}IpRateLimit`, o.edge.sourceIpRate),
              EvaluationWindowSec: window,
              AggregateKeyType: 'IP',
              ScopeDownStatement: onPath(o.route.path),
            },
          },
          Action: block(o.edge.overRate, window),
        },
        true,
      );
    if (o.edge.tokenHeader)
      // A partner's token is counted at its flow-control rate over the window: over it, the partner was over
      // its CBC.0250 rate in some second of the window, which the function would refuse too.
      add(
        `${o.name}-token-rate`,
        {
          Statement: {
            RateBasedStatement: {
              Limit: await rateLimit(resolveVariable, `${o.stageParams}TokenRateLimit`, window * partnerRate),
              EvaluationWindowSec: window,
              AggregateKeyType: 'CUSTOM_KEYS',
              CustomKeys: [{ Header: { Name: o.edge.tokenHeader.toLowerCase(), TextTransformations: [{ Priority: 0, Type: 'NONE' }] } }],
              ScopeDownStatement: onPath(o.route.path),
            },
          },
          Action: block(o.edge.overRate, window),
        },
        true,
      );
  }
  for (const o of httpOperations)
    add(
      `${o.name}-over-ip-rate`,
      {
        Statement: { AndStatement: { Statements: [labelled(OVER_IP_RATE_LABEL), onPath(o.route.path)] } },
        Action: block(o.edge.overRate, window),
      },
      true,
    );
  return rules;
}

/** The custom response bodies the rules answer with, one per family code. */
function responseBodies() {
  const bodies = {};
  for (const o of httpOperations) {
    bodies[bodyKey(o.edge.overRate)] = { ContentType: 'APPLICATION_JSON', Content: familyBody(o.edge.overRate, EDGE.wafWindowSeconds) };
    bodies[bodyKey(o.edge.listedSource)] = { ContentType: 'APPLICATION_JSON', Content: familyBody(o.edge.listedSource) };
  }
  return bodies;
}

async function wafResources({ resolveVariable }) {
  const stage = await resolveVariable('sls:stage');
  const rules = await webAclRules(stage, resolveVariable);
  return {
    Resources: {
      [WEB_ACL]: {
        Type: 'AWS::WAFv2::WebACL',
        Properties: {
          Name: `verigate-${stage}`,
          Description: `verigate ${stage}: per-source and per-partner rates, IP reputation`,
          Scope: 'REGIONAL',
          DefaultAction: { Allow: {} },
          Rules: rules.map((r) => r.rule),
          CustomResponseBodies: responseBodies(),
          VisibilityConfig: visibility(`verigate-${stage}`),
        },
      },
      [`${WEB_ACL}Association`]: {
        Type: 'AWS::WAFv2::WebACLAssociation',
        // The stage is named, not referenced, in its ARN: it must exist first.
        DependsOn: [STAGE],
        Properties: {
          ResourceArn: {
            'Fn::Sub': [`arn:\${AWS::Partition}:apigateway:\${AWS::Region}::/restapis/\${Api}/stages/${stage}`, { Api: ref(REST_API) }],
          },
          WebACLArn: { 'Fn::GetAtt': [WEB_ACL, 'Arn'] },
        },
      },
    },
  };
}

module.exports = wafResources;
module.exports.WEB_ACL = WEB_ACL;
module.exports.webAclRules = webAclRules;
