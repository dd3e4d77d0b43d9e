// @ts-check
// The REST API's stage (docs/operations.md "The edge"): osls builds the API, its methods (one per HTTP
// operation of shared/operations.ts, Lambda proxy integration, payload 1.0), the OPTIONS methods of the
// preflights and a deployment; this is the stage that deployment is served under (infra/rest-api-stage.cjs
// points it at the deployment, whose logical id osls draws at random per package). Its method settings throttle
// each route at its declared rate and every other method (the preflights) at the stage default. It has no
// access log: API Gateway would write a line for every request, the ones the web ACL blocks included; the
// functions log one line per request they serve instead, and the blocked are counted by WAF's metrics.
'use strict';

const { ref } = require('./cfn.cjs');
const { EDGE, httpOperations, stageParam } = require('./operations.cjs');

const REST_API = 'ApiGatewayRestApi';
const STAGE = 'ApiGatewayStage';

/** A method setting's resource path as CloudFormation takes it: `/` inside the path written `~1` (`/~1v1~1usg~1...`). */
const methodSettingsPath = (path) => `/${path.replaceAll('/', '~1')}`;

/** Nothing per request but the throttle: no execution log, no data trace, no per-method metrics. */
const QUIET = { LoggingLevel: 'OFF', DataTraceEnabled: false, MetricsEnabled: false };

async function restApiResources({ resolveVariable }) {
  const stage = await resolveVariable('sls:stage');
  const MethodSettings = [
    {
      ResourcePath: '/*',
      HttpMethod: '*',
      ...QUIET,
      ThrottlingRateLimit: await stageParam(resolveVariable, 'apiRateLimit', EDGE.stageThrottle.rate),
      ThrottlingBurstLimit: await stageParam(resolveVariable, 'apiBurstLimit', EDGE.stageThrottle.burst, { integer: true }),
    },
  ];
  for (const o of httpOperations)
    MethodSettings.push({
      ResourcePath: methodSettingsPath(o.route.path),
      HttpMethod: o.route.method,
      ...QUIET,
      ThrottlingRateLimit: await stageParam(resolveVariable, `${o.stageParams}RateLimit`, o.throttle.rate),
      ThrottlingBurstLimit: await stageParam(resolveVariable, `${o.stageParams}BurstLimit`, o.throttle.burst, { integer: true }),
    });
  return {
    Resources: {
      [STAGE]: {
        Type: 'AWS::ApiGateway::Stage',
        Properties: {
          RestApiId: ref(REST_API),
          StageName: stage,
          Description: `verigate ${stage}`,
          TracingEnabled: false,
          MethodSettings,
          // DeploymentId: set by infra/rest-api-stage.cjs
        },
      },
    },
  };
}

module.exports = restApiResources;
module.exports.REST_API = REST_API;
module.exports.STAGE = STAGE;
module.exports.methodSettingsPath = methodSettingsPath;
