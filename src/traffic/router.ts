import type { Color } from '../workflows/lib/colors.ts';

/** Share of a service's traffic per colour, whole percent summing to 100. */
export type ColorWeights = Record<Color, number>;

/** What a provider can do. */
export interface TrafficCapabilities {
  /** Splits other than 0/100 (canary steps); a Service selector cannot. */
  partialWeights: boolean;
}

/** A weight change the provider cannot make (e.g. 30/70 through a Service selector). */
export class UnsupportedWeightsError extends Error {}

/**
 * Moves a service's traffic between its colours. One file per provider, each with a narrow client; the
 * strategies (blue-green, canary) decide the weights and never know which provider applies them.
 */
export interface TrafficRouter {
  /** The provider's name, as in the service definition's `traffic.provider`. */
  readonly type: string;
  readonly capabilities: TrafficCapabilities;
  /** The weights in force; undefined before the service has any traffic. */
  weights(): Promise<ColorWeights | undefined>;
  /** Applies the weights (idempotent) and returns them as read back from the provider after the change. */
  setWeights(weights: ColorWeights): Promise<ColorWeights>;
  /** Whether the provider applies exactly these weights now; "unsupported" where it cannot tell. */
  verifyWeights(weights: ColorWeights): Promise<boolean | 'unsupported'>;
  /** Checks that the provider's own objects (an HTTPRoute), where they exist, are the owner's; absent when it has none. */
  claim?(): Promise<void>;
}

/** All traffic to one colour. */
export function allTo(color: Color): ColorWeights {
  return { blue: color === 'blue' ? 100 : 0, green: color === 'green' ? 100 : 0 };
}

export function sameWeights(a: ColorWeights | undefined, b: ColorWeights): boolean {
  return a !== undefined && a.blue === b.blue && a.green === b.green;
}
