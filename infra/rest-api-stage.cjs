// @ts-check
// An osls plugin (serverless.yml `plugins`), packaging only: osls creates the REST API's stage through its
// deployment (AWS::ApiGateway::Deployment StageName) and sets the stage's logs and throttles through the SDK
// after a deploy, outside the template. This points the stage of infra/rest-api.cjs, which carries those
// settings in the template, at the deployment (whose logical id osls draws at random per package), and
// takes the stage away from the deployment: one stage, declared once, that the web ACL can be associated with.
'use strict';

const { STAGE } = require('./rest-api.cjs');

/** @param {{ Resources: Record<string, any> }} template */
function attachStage(template) {
  const deployments = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::ApiGateway::Deployment');
  const stage = template.Resources[STAGE];
  if (!stage) throw new Error(`infra/rest-api-stage.cjs: no ${STAGE} in the template (infra/rest-api.cjs)`);
  if (deployments.length !== 1) throw new Error(`infra/rest-api-stage.cjs: expected one REST API deployment, found ${deployments.length}`);
  const [id, deployment] = deployments[0];
  if (deployment.Properties.StageName !== stage.Properties.StageName)
    throw new Error(
      `infra/rest-api-stage.cjs: the deployment's stage ${deployment.Properties.StageName} is not ${stage.Properties.StageName}`,
    );
  delete deployment.Properties.StageName;
  stage.Properties.DeploymentId = { Ref: id };
}

class RestApiStage {
  /** @param {{ service: { provider: { compiledCloudFormationTemplate: { Resources: Record<string, any> } } } }} serverless */
  constructor(serverless) {
    this.hooks = {
      'after:aws:package:finalize:mergeCustomProviderResources': () =>
        attachStage(serverless.service.provider.compiledCloudFormationTemplate),
    };
  }
}

module.exports = RestApiStage;
module.exports.attachStage = attachStage;
