import type { Color } from '../../../workflows/lib/colors.ts';

/** Share of stable traffic per colour, in whole percent; they sum to 100, or to 0 before a first release. */
export type Weights = Record<Color, number>;

export const noTraffic: Weights = { blue: 0, green: 0 };

/** Why a set of weights is invalid, or undefined when it is valid. */
export function weightsProblem(weights: Weights): string | undefined {
  const values = [weights.blue, weights.green];
  if (values.some((value) => !Number.isInteger(value) || value < 0 || value > 100)) return 'weights are whole numbers from 0 to 100';
  const sum = weights.blue + weights.green;
  if (sum !== 100 && sum !== 0) return `weights sum to ${sum}, not 100`;
  return undefined;
}

/**
 * Smooth weighted round-robin (nginx's): each pick adds every colour's weight to its running score, takes the
 * colour with the highest score and subtracts the total from it. Deterministic, and over any run of picks each
 * colour's share is within one request of its weight, with the picks spread out rather than bunched.
 */
export class WeightedPicker {
  private weights: Weights = noTraffic;
  private readonly scores: Weights = { blue: 0, green: 0 };

  /** New weights apply from the next pick on. */
  set(weights: Weights): void {
    this.weights = { ...weights };
    this.scores.blue = 0;
    this.scores.green = 0;
  }

  get current(): Weights {
    return { ...this.weights };
  }

  /** The colour for the next request; undefined while no colour has weight. */
  pick(): Color | undefined {
    const total = this.weights.blue + this.weights.green;
    if (total === 0) return undefined;
    this.scores.blue += this.weights.blue;
    this.scores.green += this.weights.green;
    const best: Color = this.scores.blue >= this.scores.green ? 'blue' : 'green';
    this.scores[best] -= total;
    return best;
  }
}
