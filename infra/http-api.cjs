// @ts-check
// Throttling of the HTTP API stage osls builds, per route: each HTTP operation of shared/operations.ts
// gets the rate and burst it declares (or its stage parameters). The stage default is serverless.yml's.
// API Gateway answers a throttled request 429 {"message":"Too Many Requests"} (not a family envelope).
'use strict';

const naming = require('osls/lib/plugins/aws/lib/naming.js');
const { httpOperations, stageParam } = require('./operations.cjs');

/** The logical id osls gives a route's AWS::ApiGatewayV2::Route, with osls's own naming. */
const routeLogicalId = (routeKey) => naming.getHttpApiRouteLogicalId(routeKey);

async function httpApiStageSettings({ resolveVariable }) {
  /** @type {Record<string, { ThrottlingRateLimit: number, ThrottlingBurstLimit: number }>} */
  const RouteSettings = {};
  for (const o of httpOperations) {
    RouteSettings[`${o.route.method} ${o.route.path}`] = {
      ThrottlingRateLimit: await stageParam(resolveVariable, `${o.stageParams}RateLimit`, o.throttle.rate),
      ThrottlingBurstLimit: await stageParam(resolveVariable, `${o.stageParams}BurstLimit`, o.throttle.burst, { integer: true }),
    };
  }
  return {
    extensions: {
      HttpApiStage: {
        // Route settings need their routes to exist first.
        DependsOn: Object.keys(RouteSettings).map(routeLogicalId),
        Properties: { RouteSettings },
      },
    },
  };
}

module.exports = httpApiStageSettings;
