import { expect } from 'vitest';
import { eventually, type Harness } from './harness.ts';
import type { DeploymentView } from './release-fixture.ts';

export const finalStatuses = ['succeeded', 'failed', 'rolled_back', 'aborted'];

/** Reads a deployment through the API. */
export async function readDeployment(harness: Harness, token: string, id: string): Promise<DeploymentView> {
  const response = await harness.call('GET', `/api/v1/deployments/${id}`, { token });
  return (await response.json()) as DeploymentView;
}

/** Waits until the deployment has one of `statuses` (by default: it ended). */
export function untilStatus(harness: Harness, token: string, id: string, statuses: string[] = finalStatuses): Promise<DeploymentView> {
  return eventually(async () => {
    const deployment = await readDeployment(harness, token, id);
    return statuses.includes(deployment.status) ? deployment : undefined;
  }, 90_000);
}

/** Waits until a step of the deployment has `status` (by default: it started). */
export function untilStep(harness: Harness, token: string, id: string, step: string, status = 'started'): Promise<DeploymentView> {
  return eventually(async () => {
    const deployment = await readDeployment(harness, token, id);
    return deployment.steps.some((entry) => entry.step === step && entry.status === status) ? deployment : undefined;
  }, 60_000);
}

/** Starts a release in `staging` through the API (201 expected) and returns the new deployment. */
export async function postRelease(
  harness: Harness,
  token: string,
  release: { service: string; version: string; image: string; strategy: 'blue-green' | 'canary'; options: Record<string, unknown> },
): Promise<DeploymentView> {
  const response = await harness.call('POST', '/api/v1/deployments', { token, body: { environment: 'staging', ...release } });
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as DeploymentView;
}
