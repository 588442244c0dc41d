import { ApplicationFailure, Context } from '@temporalio/activity';
import { checkDefinition, checkPlacement, imageAllowed } from '../bindings/check.ts';
import { enforce, requireBinding, urlsCheckedWhereFetched } from '../bindings/enforce.ts';
import type { BindingLookup } from '../bindings/policy.ts';
import type { Scope } from '../bindings/scope.ts';
import type { OpsWorkerOptions } from '../ops/workloads/index.ts';
import type { ServiceDefinition } from '../services/definition.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../db/client.ts';
import { withReleaseLock } from '../releases/instant-switch.ts';
import { releaseLockKey } from '../releases/lock-key.ts';
import { ownedElsewhere } from '../targets/ownership.ts';
import { releaseTarget, type TargetDeps } from '../targets/registry.ts';
import { trafficRouter } from '../traffic/registry.ts';
import { UnsupportedWeightsError } from '../traffic/router.ts';
import type { ColorHealth } from '../targets/target.ts';
import { colors, type Color } from '../workflows/lib/colors.ts';

/** How long a retirement waits, holding the release lock, for the colour's instances to stop being ready. */
const retireSettleMs = 10_000;

/** One service on its target (the definition says which target and where on it). */
export interface ServiceTarget extends Scope {
  service: string;
  definition: ServiceDefinition;
}

/** One colour of a service as GET /services/{name}/environments shows it. */
export interface ColorView {
  name: Color;
  version: string | null;
  /** active: selected by the stable Service; warm: running, no traffic; scaled_down; absent: no Deployment. */
  status: 'active' | 'warm' | 'scaled_down' | 'absent';
  health: ColorHealth;
  traffic_pct: number;
}

/** The workspace environment a target acts for: its objects carry it, and another's are refused. */
const ownerOf = (input: ServiceTarget) => ({ workspaceId: input.workspaceId, environment: input.environment });

/**
 * An object of another workspace or environment, or one Cutover did not make, is refused for good: retrying
 * cannot make it this workspace's. The message names the object, not who owns it.
 */
function refuseOwnedElsewhere<A extends ServiceTarget, R>(activity: (input: A) => Promise<R>): (input: A) => Promise<R> {
  return async (input) => {
    try {
      return await activity(input);
    } catch (error) {
      const owned = ownedElsewhere(error);
      if (!owned) throw error;
      throw ApplicationFailure.create({ type: 'OwnedElsewhere', message: owned.describeFor(ownerOf(input)), nonRetryable: true, details: [owned.object] });
    }
  };
}

/** Each activity of `activities`, refusing another owner's objects as one kind of failure. */
function refusingOwnedElsewhere<T extends Record<string, (input: never) => Promise<unknown>>>(activities: T): T {
  return Object.fromEntries(Object.entries(activities).map(([name, activity]) => [name, refuseOwnedElsewhere(activity as never)])) as T;
}

/**
 * The service's objects must still be where its binding lets this workspace environment act — its namespace bound
 * to it, its ports inside the range — or the activity is refused for good (BoundaryViolation) before anything is
 * read or changed. A namespace taken away, or bound to another workspace, since the release or the retirement
 * started is exactly what the objects' ownership labels cannot show.
 */
function checkPlacementFirst<A extends ServiceTarget, R>(bindings: BindingLookup, activity: (input: A) => Promise<R>): (input: A) => Promise<R> {
  return async (input) => {
    const binding = await requireBinding(bindings, input, input.definition.target);
    enforce(checkPlacement(input.definition, binding));
    return activity(input);
  };
}

/** Each activity of `activities`, checking the service's placement against the binding first. */
function checkingPlacement<T extends Record<string, (input: never) => Promise<unknown>>>(bindings: BindingLookup, activities: T): T {
  return Object.fromEntries(Object.entries(activities).map(([name, activity]) => [name, checkPlacementFirst(bindings, activity as never)])) as T;
}

/**
 * Activities that act on a service's target (Kubernetes or this machine); the target's clients are made
 * lazily so a worker without a cluster, or without local services, still starts.
 */
export function createReleaseTargetActivities(deps: TargetDeps & { db: Database; bindings: BindingLookup; ops?: OpsWorkerOptions }) {
  const target = (input: ServiceTarget) => releaseTarget(deps, ownerOf(input), input.service, input.definition);
  const router = (input: ServiceTarget) => trafficRouter(deps, ownerOf(input), input.service, input.definition);
  return refusingOwnedElsewhere({
    /**
     * Runs the version on a colour — after checking, here where it happens, that the definition and the image
     * are inside the binding (it may have narrowed since the release started) and that this worker runs local
     * commands at all (CUTOVER_LOCAL_COMMANDS). The whole definition: its placement is part of it.
     */
    async deployColor(input: ServiceTarget & { color: Color; image: string; version: string }): Promise<void> {
      const binding = await requireBinding(deps.bindings, input, input.definition.target);
      const violations = checkDefinition(input.definition, binding, { urlCheck: urlsCheckedWhereFetched, analyses: false });
      if (input.definition.target === 'kubernetes' && !imageAllowed(input.image, binding.policy.imagePrefixes)) {
        violations.push({ path: 'image', rule: 'image-not-allowed', message: `image ${input.image} does not start with an image prefix the binding allows` });
      }
      if (input.definition.target === 'local' && deps.ops?.localCommands === false) {
        violations.push({ path: 'definition.local.command', rule: 'local-commands-off', message: 'this worker does not run local commands (CUTOVER_LOCAL_COMMANDS=false)' });
      }
      enforce(violations);
      await target(input).deploy(input.color, input.image, input.version);
    },

    // Everything else touches only the service's objects: their placement is checked again first.
    ...checkingPlacement(deps.bindings, {
      /** The serving colour; first checks that the service's objects are this workspace environment's to change. */
      async readActiveColor(input: ServiceTarget): Promise<Color | null> {
        const bg = target(input);
        await bg.claim();
        return (await bg.activeColor()) ?? null;
      },

      /** Waits for the colour's rollout, heartbeating; fails for good on a progress deadline or after timeoutMs. */
      async waitForRollout(input: ServiceTarget & { color: Color; timeoutMs: number; pollMs: number }): Promise<void> {
        const context = Context.current();
        const deadline = Date.now() + input.timeoutMs;
        for (;;) {
          const status = await target(input).rollout(input.color);
          context.heartbeat(status);
          if (status.state === 'done') return;
          if (status.state === 'failed') {
            throw ApplicationFailure.create({ type: 'RolloutFailed', message: status.message, nonRetryable: true });
          }
          if (Date.now() > deadline) {
            throw ApplicationFailure.create({
              type: 'RolloutTimeout',
              message: `${input.service}-${input.color} did not roll out within ${input.timeoutMs} ms: ${status.message}`,
              nonRetryable: true,
            });
          }
          // Rejects when the activity is cancelled, so an aborted release stops waiting at once.
          await context.sleep(input.pollMs);
        }
      },

      /** Points the stable or preview Service at a colour; false when it already did (idempotent). */
      async switchTraffic(input: ServiceTarget & { role: 'stable' | 'preview'; color: Color }): Promise<boolean> {
        return target(input).select(input.role, input.color);
      },

      /** The version a colour's Deployment runs (null when it has no Deployment or no version). */
      async colorVersion(input: ServiceTarget & { color: Color }): Promise<string | null> {
        return (await target(input).versionOf(input.color))?.version ?? null;
      },

      /** Applies a traffic split through the service's traffic provider; returns it as the provider read it back. */
      async setTrafficWeights(input: ServiceTarget & { weights: Record<Color, number> }): Promise<Record<Color, number>> {
        try {
          return await router(input).setWeights(input.weights);
        } catch (error) {
          if (error instanceof UnsupportedWeightsError) throw ApplicationFailure.nonRetryable(error.message, 'UnsupportedWeights');
          throw error;
        }
      },

      async scaleColor(input: ServiceTarget & { color: Color; replicas: number }): Promise<void> {
        await target(input).scale(input.color, input.replicas);
      },

      async colorPodHealth(input: ServiceTarget & { color: Color }): Promise<ColorHealth> {
        return target(input).podHealth(input.color);
      },

      /** Each colour's version, state, pod health and share of traffic. */
      async inspectColors(input: ServiceTarget): Promise<ColorView[]> {
        const bg = target(input);
        const [active, weights] = await Promise.all([bg.activeColor(), router(input).weights()]);
        return Promise.all(
          colors.map(async (color): Promise<ColorView> => {
            const deployment = await bg.versionOf(color);
            const health = deployment ? await bg.podHealth(color) : { pods: 0, ready: 0, restarts: 0 };
            const status = !deployment ? 'absent' : color === active ? 'active' : deployment.replicas > 0 ? 'warm' : 'scaled_down';
            return { name: color, version: deployment?.version ?? null, status, health, traffic_pct: weights?.[color] ?? 0 };
          }),
        );
      },

      /**
       * Scales a retired colour to zero, unless it is live again or runs another version by now
       * (a newer release or a rollback took it over). Returns whether it scaled. `lockKey` is the release lock of
       * the service's objects (releaseLockKey); a retirement started by an older Cutover names its release's
       * workflow id instead (`releaseId`), and takes the objects' lock all the same.
       */
      async retireColor(input: ServiceTarget & { color: Color; version: string; lockKey?: string; releaseId?: string }): Promise<boolean> {
        const retire = async () => {
          const bg = target(input);
          if ((await bg.activeColor()) === input.color) return false;
          const current = await bg.versionOf(input.color);
          if (!current || current.version !== input.version) return false;
          await bg.scale(input.color, 0);
          // Until its instances stop being ready, an instant switch could still pick the colour: hold the lock.
          const deadline = Date.now() + retireSettleMs;
          while ((await bg.podHealth(input.color)).ready > 0 && Date.now() < deadline) await sleep(200);
          return true;
        };
        // Under the release lock, so an operator's instant switch cannot land on the colour while it is retired.
        const lockKey = input.lockKey ?? (input.releaseId ? releaseLockKey(input.service, input.definition) : undefined);
        return lockKey ? withReleaseLock(deps.db, lockKey, retire) : retire();
      },
    }),
  });
}
