import type { LocalBlueGreen } from '../targets/local/blue-green.ts';
import { sameWeights, type ColorWeights, type TrafficRouter } from './router.ts';

/** Cutover's own proxy on the local target: any split, applied to the next request. */
export class LocalProxyRouter implements TrafficRouter {
  readonly type = 'local-proxy';
  readonly capabilities = { partialWeights: true };

  constructor(private readonly target: LocalBlueGreen) {}

  async weights(): Promise<ColorWeights | undefined> {
    const weights = await this.target.stableWeights();
    return weights && weights.blue + weights.green > 0 ? weights : undefined;
  }

  async setWeights(weights: ColorWeights): Promise<ColorWeights> {
    // The supervisor answers with the routes it applies from now on: that is the verification.
    const applied = await this.target.setStableWeights(weights);
    if (!sameWeights(applied, weights)) throw new Error(`the proxy applied ${JSON.stringify(applied)}, not ${JSON.stringify(weights)}`);
    return applied;
  }

  async verifyWeights(weights: ColorWeights): Promise<boolean> {
    return sameWeights(await this.weights(), weights);
  }
}
