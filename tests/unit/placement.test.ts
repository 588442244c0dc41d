// needs: nothing (pure logic; the activities run in Temporal's MockActivityEnvironment with targets that refuse use)
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { createReleaseTargetActivities } from '../../src/activities/release-target.ts';
import { boundaryViolationType } from '../../src/bindings/enforce.ts';
import { checkPlacement } from '../../src/bindings/check.ts';
import { bindingPolicySchema, type BindingLookup, type BindingPolicy, type ResolvedBinding, type TargetKind } from '../../src/bindings/policy.ts';
import type { Database } from '../../src/db/client.ts';
import { serviceDefinitionSchema } from '../../src/services/definition.ts';

// Where a service's objects are (a namespace, four ports) against a binding that narrowed since the definition was
// saved: the pure check, and every release-target activity that reads or changes those objects refusing before it
// touches the target at all.

const binding = (kind: TargetKind, policy: Partial<BindingPolicy>): ResolvedBinding => ({
  id: 'b',
  workspaceId: 'w',
  environment: 'staging',
  target: { id: 't', name: kind, kind },
  policy: bindingPolicySchema.parse(policy),
});
const kube = serviceDefinitionSchema.parse({ namespace: 'shop', image: 'registry.example/web:1', ports: [{ port: 80 }] });
const local = serviceDefinitionSchema.parse({
  target: 'local',
  image: '/srv/app.mjs',
  local: { port: 20_000, previewPort: 20_001, colorPorts: { blue: 20_002, green: 20_003 } },
});

describe('checkPlacement', () => {
  it('passes a namespace the binding holds and refuses one it no longer does', () => {
    expect(checkPlacement(kube, binding('kubernetes', { namespaces: ['shop', 'ops'] }))).toEqual([]);
    expect(checkPlacement(kube, binding('kubernetes', { namespaces: ['ops'] }))).toEqual([
      { path: 'definition.namespace', rule: 'namespace-not-bound', message: 'namespace shop is not bound to this workspace environment (bound: ops)' },
    ]);
  });

  it('names each local port outside the range, the range bounds included', () => {
    expect(checkPlacement(local, binding('local', { localPorts: { from: 20_000, to: 20_003 } }))).toEqual([]);
    const narrowed = checkPlacement(local, binding('local', { localPorts: { from: 20_001, to: 20_002 } }), 'service.definition');
    expect(narrowed.map((found) => [found.path, found.rule])).toEqual([
      ['service.definition.local.port', 'port-outside-range'],
      ['service.definition.local.colorPorts.green', 'port-outside-range'],
    ]);
    expect(checkPlacement(local, binding('local', {})).map((found) => found.message)[0]).toMatch(/range \(none\)/);
  });

  it('is only the placement: an image or commands the binding no longer allows do not refuse a switch', () => {
    expect(checkPlacement(kube, binding('kubernetes', { namespaces: ['shop'], imagePrefixes: [] }))).toEqual([]);
    expect(checkPlacement(local, binding('local', { localPorts: { from: 1024, to: 65535 }, localCommands: false }))).toEqual([]);
  });
});

describe('release-target activities after the binding narrowed', () => {
  /** Activities whose targets record any use (and then fail), with the given bindings. */
  function activitiesWith(bindings: Partial<Record<TargetKind, ResolvedBinding>>) {
    const touched: string[] = [];
    const lookup: BindingLookup = (_scope, kind) => Promise.resolve(bindings[kind]);
    const activities = createReleaseTargetActivities({
      kube: () => {
        touched.push('kubernetes');
        throw new Error('the cluster was reached');
      },
      local: () => {
        touched.push('local');
        return Promise.reject(new Error('the supervisor was reached'));
      },
      // Reached only by a retirement with a lock key, which these calls do not pass.
      db: {} as Database,
      bindings: lookup,
    });
    return { activities, touched };
  }

  const scope = { workspaceId: 'w', environment: 'staging', service: 'web' };
  /** One call of every activity that touches the service's objects (deployColor checks the whole definition). */
  const calls = (definition: typeof kube) => {
    const input = { ...scope, definition };
    return {
      readActiveColor: input,
      waitForRollout: { ...input, color: 'green', timeoutMs: 1_000, pollMs: 10 },
      switchTraffic: { ...input, role: 'stable', color: 'green' },
      colorVersion: { ...input, color: 'blue' },
      setTrafficWeights: { ...input, weights: { blue: 0, green: 100 } },
      scaleColor: { ...input, color: 'blue', replicas: 0 },
      colorPodHealth: { ...input, color: 'green' },
      inspectColors: input,
      retireColor: { ...input, color: 'blue', version: '1.0.0' },
    } as const;
  };

  async function run(activities: ReturnType<typeof activitiesWith>['activities'], name: string, input: unknown): Promise<unknown> {
    const activity = (activities as unknown as Record<string, (input: unknown) => Promise<unknown>>)[name]!;
    // Failed activities are expected here: only errors beyond them are logged.
    return new MockActivityEnvironment(undefined, { logger: new DefaultLogger('ERROR') }).run(activity, input).then(
      () => undefined,
      (error: unknown) => error,
    );
  }

  it.each([
    ['a namespace taken out of the binding', kube, { kubernetes: binding('kubernetes', { namespaces: ['ops'] }) }, 'namespace-not-bound'],
    ['ports outside a narrowed range', local, { local: binding('local', { localPorts: { from: 30_000, to: 30_099 } }) }, 'port-outside-range'],
    ['no binding left at all', kube, {}, 'no-binding'],
  ] as const)('refuses for good, before the target is reached: %s', async (_case, definition, bindings, rule) => {
    const { activities, touched } = activitiesWith(bindings);
    for (const [name, input] of Object.entries(calls(definition))) {
      const error = await run(activities, name, input);
      expect(error, name).toBeInstanceOf(ApplicationFailure);
      const failure = error as ApplicationFailure;
      expect(failure.type, name).toBe(boundaryViolationType);
      expect(failure.nonRetryable, name).toBe(true);
      expect((failure.details?.[0] as Array<{ rule: string }>).map((found) => found.rule), name).toContain(rule);
    }
    expect(touched, 'nothing of the target was used').toEqual([]);
  });

  it('reaches the target where the binding still grants the placement', async () => {
    const { activities, touched } = activitiesWith({
      kubernetes: binding('kubernetes', { namespaces: ['shop'] }),
      local: binding('local', { localPorts: { from: 20_000, to: 20_003 } }),
    });
    for (const definition of [kube, local]) {
      for (const [name, input] of Object.entries(calls(definition))) {
        const error = await run(activities, name, input);
        expect((error as Error | undefined)?.message ?? 'no error', name).toMatch(/was reached/);
      }
    }
    expect(new Set(touched)).toEqual(new Set(['kubernetes', 'local']));
  });
});
