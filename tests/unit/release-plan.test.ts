// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { planRelease } from '../../src/workflows/lib/release-plan.ts';

describe('planRelease', () => {
  it('lists the blue-green steps in order, naming the service and version', () => {
    const plan = planRelease({ service: 'web', environment: 'prod', version: '2.1.0' });
    expect(plan.map((step) => step.step)).toEqual([
      'resolve-active-color',
      'pre-switch-hooks',
      'deploy-standby',
      'smoke-tests',
      'approval',
      'switch-traffic',
      'monitor',
      'retire-old-color',
    ]);
    expect(plan.every((step) => step.description.endsWith('(web 2.1.0 in prod)'))).toBe(true);
  });
});
