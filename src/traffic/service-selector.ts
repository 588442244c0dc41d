import type { KubernetesBlueGreen } from '../targets/kubernetes/blue-green.ts';
import type { Color } from '../workflows/lib/colors.ts';
import { allTo, sameWeights, UnsupportedWeightsError, type ColorWeights, type TrafficRouter } from './router.ts';

/** The colour that gets everything, when the weights are 0/100. */
export function soleColor(weights: ColorWeights): Color | undefined {
  if (weights.blue === 100 && weights.green === 0) return 'blue';
  if (weights.green === 100 && weights.blue === 0) return 'green';
  return undefined;
}

/** The stable Service's selector: all traffic to one colour, switched in one patch. What blue-green uses by default. */
export class ServiceSelectorRouter implements TrafficRouter {
  readonly type = 'service-selector';
  readonly capabilities = { partialWeights: false };

  constructor(private readonly target: KubernetesBlueGreen) {}

  async weights(): Promise<ColorWeights | undefined> {
    const color = await this.target.activeColor();
    return color && allTo(color);
  }

  async setWeights(weights: ColorWeights): Promise<ColorWeights> {
    const color = soleColor(weights);
    if (!color) throw new UnsupportedWeightsError('a Service selector sends all traffic to one colour: use weights 0 and 100, or the gateway-api provider');
    // select() verifies from the API server's answer to its patch.
    await this.target.select('stable', color);
    return allTo(color);
  }

  async verifyWeights(weights: ColorWeights): Promise<boolean> {
    return sameWeights(await this.weights(), weights);
  }
}
