import type { Schemas } from '../../api-client/index.ts';

export type Deployment = Schemas['Deployment'];
export type Step = Schemas['DeploymentStep'];

/** What the live view knows of a release: the deployment as last seen and its steps in the order they began. */
export interface LiveState {
  deployment: Deployment;
  steps: Map<string, Step>;
  /** Set by the `end` event: the release has ended. */
  ended: boolean;
}

/** A stream event the view shows, already parsed. */
export type LiveEvent =
  | { type: 'step'; step: Step }
  | { type: 'status'; status: Deployment['status']; reason: string | null }
  | { type: 'end'; deployment: Deployment };

export function initialState(deployment: Deployment): LiveState {
  return { deployment, steps: new Map(), ended: false };
}

/** Parses one SSE event of GET /deployments/{id}/events; undefined for events the view does not show. */
export function parseEvent(event: { event: string; data: string }): LiveEvent | undefined {
  const data = JSON.parse(event.data) as unknown;
  if (event.event === 'step') return { type: 'step', step: data as Step };
  if (event.event === 'status') {
    const { status, reason } = data as { status: Deployment['status']; reason: string | null };
    return { type: 'status', status, reason };
  }
  if (event.event === 'end') return { type: 'end', deployment: data as Deployment };
  return undefined;
}

/**
 * Applies an event; says whether anything changed (a reconnected stream sends every step again, and
 * those repeats change nothing).
 */
export function applyEvent(state: LiveState, event: LiveEvent): boolean {
  if (event.type === 'step') {
    const before = state.steps.get(event.step.step);
    if (before && JSON.stringify(before) === JSON.stringify(event.step)) return false;
    state.steps.set(event.step.step, event.step);
    return true;
  }
  if (event.type === 'status') {
    if (state.deployment.status === event.status && state.deployment.reason === event.reason) return false;
    state.deployment = { ...state.deployment, status: event.status, reason: event.reason };
    return true;
  }
  state.deployment = event.deployment;
  state.ended = true;
  return true;
}

export const untilPoints = ['paused', 'switched', 'done'] as const;
export type Until = (typeof untilPoints)[number];

/** Waiting on a person: for approval, or a canary pause without a duration (or an inconclusive analysis). */
export const isWaiting = (status: string) => status === 'awaiting_approval' || status === 'paused';

/** The colour the new version runs on: the one that was not active when the release began. */
function newColor(state: LiveState): 'blue' | 'green' | undefined {
  const resolved = state.steps.get('resolve-active-color')?.details as { active?: string | null } | null | undefined;
  if (resolved === undefined) return undefined;
  return resolved?.active === 'blue' ? 'green' : 'blue';
}

/** All traffic is on the new version: blue-green's switch succeeded, or a canary's weights reached 100. */
export function hasSwitched(state: LiveState): boolean {
  if (state.steps.get('switch-traffic')?.status === 'succeeded') return true;
  const color = newColor(state);
  if (!color) return false;
  return [...state.steps.values()].some((step) => {
    const weights = (step.details as { weights?: Record<string, number> } | null)?.weights;
    return step.status === 'succeeded' && weights?.[color] === 100;
  });
}

/** Whether the release has got as far as `until` asks (a release that ended has got as far as it will). */
export function reached(state: LiveState, until: Until): boolean {
  if (state.ended) return true;
  if (until === 'paused') return isWaiting(state.deployment.status);
  if (until === 'switched') return hasSwitched(state);
  return false;
}
