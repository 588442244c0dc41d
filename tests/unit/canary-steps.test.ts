// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { canaryWeights, completeSteps, defaultCanarySteps, stepName } from '../../src/workflows/lib/canary-steps.ts';

describe('canary steps', () => {
  it('defaults to 5 → 20 → 50 → 100 with pauses between', () => {
    const steps = defaultCanarySteps(60_000);
    expect(steps.filter((step) => 'setWeight' in step).map((step) => ('setWeight' in step ? step.setWeight : 0))).toEqual([5, 20, 50, 100]);
    expect(steps.filter((step) => 'pause' in step)).toHaveLength(3);
    expect(steps.map(stepName)).toEqual([
      'step-1-set-weight-5',
      'step-2-pause',
      'step-3-set-weight-20',
      'step-4-pause',
      'step-5-set-weight-50',
      'step-6-pause',
      'step-7-set-weight-100',
    ]);
  });

  it('gives the canary its share and the stable colour the rest', () => {
    expect(canaryWeights('blue', 'green', 20)).toEqual({ blue: 80, green: 20 });
    expect(canaryWeights('green', 'blue', 100)).toEqual({ blue: 100, green: 0 });
    expect(canaryWeights('green', 'blue', 0)).toEqual({ blue: 0, green: 100 });
  });

  it('always ends with all traffic on the canary', () => {
    expect(completeSteps([{ setWeight: 10 }, { pause: {} }])).toEqual([{ setWeight: 10 }, { pause: {} }, { setWeight: 100 }]);
    expect(completeSteps([{ setWeight: 50 }, { setWeight: 100 }])).toEqual([{ setWeight: 50 }, { setWeight: 100 }]);
    expect(completeSteps([{ setWeight: 100 }, { pause: { durationMs: 5 } }])).toEqual([{ setWeight: 100 }, { pause: { durationMs: 5 } }, { setWeight: 100 }]);
  });
});
