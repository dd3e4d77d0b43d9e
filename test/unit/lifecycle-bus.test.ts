// The lifecycle events' bus and the rules forwarding them to partners' buses (infra/lifecycle.cjs), built for
// stage parameters the packaged template test does not set (test/unit/template.test.ts packages the defaults).
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { LIFECYCLE_DETAIL_TYPES, LIFECYCLE_EVENT_SOURCE } from '../../shared/events/lifecycle.js';

const require = createRequire(import.meta.url);
type Resources = Record<string, { Type: string; Properties: Record<string, any>; DeletionPolicy?: string }>;
const lifecycleResources = require('../../infra/lifecycle.cjs') as (ctx: {
  resolveVariable: (v: string) => Promise<unknown>;
}) => Promise<{ Resources: Resources; Outputs: Record<string, { Value: unknown }> }>;

const PARTNER_A = 'arn:aws:events:ap-southeast-1:210987654321:event-bus/onboarding';
const PARTNER_B = 'arn:aws:events:ap-southeast-1:111122223333:event-bus/kyc-flows';

/** Builds the resources for these stage parameters, as osls resolves `param:` variables. */
const build = (params: Record<string, string>) =>
  lifecycleResources({
    resolveVariable: async (v) => {
      if (v === 'sls:stage') return 'prod';
      const name = /^param:(\w+)/.exec(v)?.[1];
      return name ? (params[name] ?? '') : undefined;
    },
  });

describe("the lifecycle events' bus", () => {
  it("is the stack's own by default, and none is created when the stage names one", async () => {
    const own = await build({});
    expect(own.Resources.LifecycleEventBus).toMatchObject({ Type: 'AWS::Events::EventBus', Properties: { Name: 'verigate-prod' } });
    const named = await build({ lifecycleEventBus: 'shared-flows' });
    expect(named.Resources.LifecycleEventBus).toBeUndefined();
    expect(named.Outputs.LifecycleEventBusName!.Value).toBe('shared-flows');
    expect(JSON.stringify(named.Outputs.LifecycleEventBusArn!.Value)).toContain('event-bus/');
    await expect(build({ lifecycleEventBus: 'default' })).rejects.toThrow(/lifecycleEventBus/);
  });

  it("forwards every lifecycle event to each partner's bus by a rule of its own, under a role that may put on that bus only", async () => {
    const { Resources } = await build({ lifecycleEventTargets: `${PARTNER_A}, ${PARTNER_B}` });
    const rules = Object.values(Resources).filter((r) => r.Type === 'AWS::Events::Rule');
    expect(rules).toHaveLength(2);
    for (const [i, target] of [PARTNER_A, PARTNER_B].entries()) {
      const rule = Resources[`LifecycleForward${i + 1}Rule`]!.Properties;
      expect(rule.EventBusName).toEqual({ Ref: 'LifecycleEventBus' });
      expect(rule.EventPattern).toEqual({ source: [LIFECYCLE_EVENT_SOURCE], 'detail-type': [...LIFECYCLE_DETAIL_TYPES] });
      expect(rule.Targets).toEqual([
        expect.objectContaining({
          Arn: target,
          RoleArn: { 'Fn::GetAtt': [`LifecycleForward${i + 1}Role`, 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['LifecycleForwardDLQ', 'Arn'] } },
        }),
      ]);
      const statements = Resources[`LifecycleForward${i + 1}Role`]!.Properties.Policies.flatMap(
        (p: { PolicyDocument: { Statement: unknown[] } }) => p.PolicyDocument.Statement,
      );
      expect(statements).toEqual([expect.objectContaining({ Effect: 'Allow', Action: 'events:PutEvents', Resource: target })]);
    }
    expect(Resources.LifecycleForwardDLQ!.DeletionPolicy).toBe('Retain');
    const policy = Resources.LifecycleForwardDLQPolicy!.Properties.PolicyDocument.Statement[0];
    expect(policy.Condition.ArnEquals['aws:SourceArn']).toEqual([
      { 'Fn::GetAtt': ['LifecycleForward1Rule', 'Arn'] },
      { 'Fn::GetAtt': ['LifecycleForward2Rule', 'Arn'] },
    ]);
  });

  it('creates no rule, role or queue without targets, and refuses a target that is not an event bus ARN', async () => {
    const { Resources } = await build({});
    expect(Object.values(Resources).map((r) => r.Type)).toEqual(['AWS::Events::EventBus']);
    await expect(build({ lifecycleEventTargets: 'arn:aws:sqs:ap-southeast-1:210987654321:queue' })).rejects.toThrow(/not event bus ARNs/);
  });
});

const alarmResources = require('../../infra/alarms.cjs') as (ctx: {
  resolveConfigurationProperty: (path: string[]) => Promise<unknown>;
  resolveVariable: (v: string) => Promise<unknown>;
}) => Promise<{ Resources: Resources }>;

describe("the forwarding rules' alarms", () => {
  /** The alarms for these stage parameters; every threshold parameter not named is 100. */
  const alarmsFor = async (params: Record<string, string>) =>
    Object.entries(
      (
        await alarmResources({
          resolveConfigurationProperty: async () => ({}),
          resolveVariable: async (v) => {
            if (v === 'sls:stage') return 'prod';
            const name = /^param:(\w+)/.exec(v)?.[1];
            return name ? (params[name] ?? (['alarmTopicArn', 'lifecycleEventTargets'].includes(name) ? '' : '100')) : undefined;
          },
        })
      ).Resources,
    ).filter(([id]) => id.startsWith('LifecycleForward'));

  it("watch each partner's rule (failed puts, puts the DLQ did not take) and the forwarding DLQ's depth", async () => {
    const alarms = await alarmsFor({ smsCountryAllowlist: 'CN', lifecycleEventTargets: `${PARTNER_A},${PARTNER_B}` });
    expect(alarms.map(([id]) => id).sort()).toEqual([
      'LifecycleForward1RuleDlqFailuresAlarm',
      'LifecycleForward1RuleFailedInvocationsAlarm',
      'LifecycleForward2RuleDlqFailuresAlarm',
      'LifecycleForward2RuleFailedInvocationsAlarm',
      'LifecycleForwardDlqDepthAlarm',
    ]);
    const { Resources } = await build({ lifecycleEventTargets: `${PARTNER_A},${PARTNER_B}` });
    for (const [id, alarm] of alarms) {
      expect(alarm.Type).toBe('AWS::CloudWatch::Alarm');
      // Each names a rule or the queue the lifecycle template really creates.
      const named = JSON.stringify(alarm.Properties.Dimensions);
      const resource = /"(LifecycleForward\w+?)"/.exec(named)?.[1];
      expect(resource && Resources[resource], `${id} names ${named}`).toBeTruthy();
    }
  });

  it('are none without targets', async () => {
    expect(await alarmsFor({ smsCountryAllowlist: 'CN' })).toEqual([]);
  });
});
