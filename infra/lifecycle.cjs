// @ts-check
// The lifecycle events' bus (docs/api.md "Lifecycle events", docs/operations.md "Lifecycle events"): the stack's
// own `verigate-<stage>` unless the stage names one (param lifecycleEventBus: a bus name or ARN of this
// account), which publishLifecycleEvents puts the events on (EVENT_BUS_NAME) and may put on alone (its role).
// A partner's backend in another account subscribes by its own bus: each ARN of param lifecycleEventTargets
// gets a rule that forwards the events there, under a role that may put on that bus only, with EventBridge's
// retries and a retained dead-letter queue that an alarm watches.
'use strict';

const { arn, getAtt, ref } = require('./cfn.cjs');
const { lifecycleDetailTypes, lifecycleEventSource } = require('./operations.cjs');

const LIFECYCLE_BUS = 'LifecycleEventBus';
const FORWARD_DLQ = 'LifecycleForwardDLQ';
const DLQ_RETENTION_SECONDS = 14 * 24 * 3600;
const BUS_NAME = /^[.\-_A-Za-z0-9]{1,256}$/;
const BUS_ARN = /^arn:aws[\w-]*:events:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:event-bus\/[.\-_A-Za-z0-9]{1,256}$/;

/** The pattern of every lifecycle event: what a forwarding rule (and a partner's own rule) matches. */
const LIFECYCLE_EVENT_PATTERN = { source: [lifecycleEventSource], 'detail-type': [...lifecycleDetailTypes] };

/**
 * The bus the events go to: `name` for PutEvents (EVENT_BUS_NAME, a rule's EventBusName), `arn` for IAM.
 * @param {(variable: string) => Promise<unknown>} resolveVariable
 */
async function lifecycleBus(resolveVariable) {
  const given = String((await resolveVariable("param:lifecycleEventBus, ''")) ?? '').trim();
  if (!given) return { created: true, name: ref(LIFECYCLE_BUS), arn: getAtt(LIFECYCLE_BUS, 'Arn') };
  if (BUS_ARN.test(given)) return { created: false, name: given, arn: given };
  if (BUS_NAME.test(given) && given !== 'default') return { created: false, name: given, arn: arn('events', 'event-bus/', given) };
  throw new Error('infra/lifecycle.cjs: param lifecycleEventBus must be an event bus name (not default) or ARN');
}

/**
 * The buses the events are forwarded to (param lifecycleEventTargets, comma-separated event bus ARNs).
 * @param {(variable: string) => Promise<unknown>} resolveVariable
 * @returns {Promise<string[]>}
 */
async function forwardTargets(resolveVariable) {
  const value = String((await resolveVariable("param:lifecycleEventTargets, ''")) ?? '');
  const targets = value
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  const bad = targets.filter((t) => !BUS_ARN.test(t));
  if (bad.length) throw new Error(`infra/lifecycle.cjs: param lifecycleEventTargets: not event bus ARNs: ${bad.join(', ')}`);
  return [...new Set(targets)];
}

/** Logical ids of the rule forwarding to the `i`-th target, and of its role. */
const forwardIds = (i) => ({ rule: `LifecycleForward${i + 1}Rule`, role: `LifecycleForward${i + 1}Role` });

async function lifecycleResources({ resolveVariable }) {
  const stage = String(await resolveVariable('sls:stage'));
  const bus = await lifecycleBus(resolveVariable);
  const targets = await forwardTargets(resolveVariable);
  /** @type {Record<string, unknown>} */
  const Resources = {};
  if (bus.created)
    Resources[LIFECYCLE_BUS] = {
      Type: 'AWS::Events::EventBus',
      Properties: { Name: `verigate-${stage}`, Description: `verigate ${stage}: lifecycle events of verification codes` },
    };
  targets.forEach((target, i) => {
    const ids = forwardIds(i);
    Resources[ids.role] = {
      Type: 'AWS::IAM::Role',
      Properties: {
        Description: `verigate ${stage}: forwards the lifecycle events to ${target}`,
        AssumeRolePolicyDocument: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        },
        Policies: [
          {
            PolicyName: `verigate-${stage}-lifecycle-forward-${i + 1}`,
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [{ Sid: 'PutOnTheTargetBus', Effect: 'Allow', Action: 'events:PutEvents', Resource: target }],
            },
          },
        ],
      },
    };
    Resources[ids.rule] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        Name: `verigate-${stage}-lifecycle-forward-${i + 1}`,
        Description: `The lifecycle events to ${target}`,
        EventBusName: bus.name,
        EventPattern: LIFECYCLE_EVENT_PATTERN,
        State: 'ENABLED',
        Targets: [
          {
            Id: `LifecycleForward${i + 1}`,
            Arn: target,
            RoleArn: getAtt(ids.role, 'Arn'),
            RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 },
            DeadLetterConfig: { Arn: getAtt(FORWARD_DLQ, 'Arn') },
          },
        ],
      },
    };
  });
  if (targets.length) {
    Resources[FORWARD_DLQ] = {
      Type: 'AWS::SQS::Queue',
      // Events a partner's bus did not take are data: a stack deletion or replacement keeps them.
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: { MessageRetentionPeriod: DLQ_RETENTION_SECONDS, SqsManagedSseEnabled: true },
    };
    Resources[`${FORWARD_DLQ}Policy`] = {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [ref(FORWARD_DLQ)],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'UndeliveredLifecycleEventsFromTheForwardingRules',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: getAtt(FORWARD_DLQ, 'Arn'),
              Condition: { ArnEquals: { 'aws:SourceArn': targets.map((_, i) => getAtt(forwardIds(i).rule, 'Arn')) } },
            },
          ],
        },
      },
    };
  }
  return {
    Resources,
    Outputs: {
      LifecycleEventBusName: { Description: 'The bus the lifecycle events are put on (source verigate.codes)', Value: bus.name },
      LifecycleEventBusArn: { Description: 'Its ARN: what a rule of another account names to receive them', Value: bus.arn },
    },
  };
}

module.exports = lifecycleResources;
module.exports.lifecycleBus = lifecycleBus;
module.exports.forwardTargets = forwardTargets;
module.exports.forwardIds = forwardIds;
module.exports.FORWARD_DLQ = FORWARD_DLQ;
module.exports.LIFECYCLE_EVENT_PATTERN = LIFECYCLE_EVENT_PATTERN;
