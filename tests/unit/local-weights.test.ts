// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { WeightedPicker, weightsProblem } from '../../src/targets/local/supervisor/weights.ts';

function share(picker: WeightedPicker, picks: number) {
  const counts = { blue: 0, green: 0, none: 0 };
  for (let i = 0; i < picks; i += 1) counts[picker.pick() ?? 'none'] += 1;
  return counts;
}

describe('weighted picks (smooth weighted round-robin)', () => {
  it.each([
    [70, 30],
    [5, 95],
    [50, 50],
    [1, 99],
    [33, 67],
  ])('sends %i / %i to blue / green, exact to one request over 2,000', (blue, green) => {
    const picker = new WeightedPicker();
    picker.set({ blue, green });
    const counts = share(picker, 2_000);
    expect(Math.abs(counts.blue - 20 * blue)).toBeLessThanOrEqual(1);
    expect(Math.abs(counts.green - 20 * green)).toBeLessThanOrEqual(1);
  });

  it('never picks a colour with no weight, and picks nothing before any weight is set', () => {
    const picker = new WeightedPicker();
    expect(picker.pick()).toBeUndefined();
    picker.set({ blue: 0, green: 100 });
    expect(share(picker, 500)).toEqual({ blue: 0, green: 500, none: 0 });
    picker.set({ blue: 100, green: 0 });
    expect(share(picker, 500)).toEqual({ blue: 500, green: 0, none: 0 });
  });

  it('spreads a small share evenly instead of bunching it', () => {
    const picker = new WeightedPicker();
    picker.set({ blue: 90, green: 10 });
    const picks = Array.from({ length: 100 }, () => picker.pick());
    const greenAt = picks.flatMap((color, index) => (color === 'green' ? [index] : []));
    expect(greenAt).toHaveLength(10);
    // One green in every window of ten.
    for (let start = 0; start < 100; start += 10) expect(greenAt.filter((i) => i >= start && i < start + 10)).toHaveLength(1);
  });

  it('applies new weights from the next pick', () => {
    const picker = new WeightedPicker();
    picker.set({ blue: 100, green: 0 });
    share(picker, 37);
    picker.set({ blue: 20, green: 80 });
    const counts = share(picker, 1_000);
    expect(counts).toEqual({ blue: 200, green: 800, none: 0 });
  });

  it('names what is wrong with bad weights', () => {
    expect(weightsProblem({ blue: 30, green: 70 })).toBeUndefined();
    expect(weightsProblem({ blue: 0, green: 0 })).toBeUndefined();
    expect(weightsProblem({ blue: 30, green: 60 })).toMatch(/sum to 90/);
    expect(weightsProblem({ blue: -10, green: 110 })).toMatch(/whole numbers/);
    expect(weightsProblem({ blue: 50.5, green: 49.5 })).toMatch(/whole numbers/);
  });
});
