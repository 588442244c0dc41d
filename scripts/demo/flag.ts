import type { createDemoApi, DemoFlag } from './api.ts';

/** The sample app's feature flag (examples/sample-app/flags.mjs): 'holiday' inside the rollout, 'classic' outside. */
export const bannerFlag = (environment: string, rolloutPct: number) => ({
  key: 'shop-banner',
  environment,
  name: 'Shop banner',
  description: "The banner on the sample app's home page",
  type: 'string',
  enabled: true,
  variants: [
    { key: 'classic', value: 'classic', weight: 0 },
    { key: 'holiday', value: 'holiday', weight: 100 },
  ],
  default_variant: 'classic',
  rollout_pct: rolloutPct,
  rules: [],
});

interface Home {
  text: string;
  banner?: string;
  pid?: number;
}

async function home(url: string): Promise<Home> {
  const response = await fetch(url);
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { banner?: string; pid?: number };
    return { text, banner: body.banner, pid: body.pid };
  } catch {
    return { text };
  }
}

/**
 * Rolls the banner out to everyone (rollout 0 → 100) and watches the running app's home page at `url`: the
 * provider in the app gets the change over its stream, without a restart (the same pid answers). True when the
 * page changed within `withinMs`.
 */
export async function flipBanner(
  api: ReturnType<typeof createDemoApi>,
  flag: DemoFlag,
  url: string,
  say: (line: string) => void,
  withinMs = 5_000,
): Promise<boolean> {
  const before = await home(url);
  say(`  before  GET / → ${before.text}`);
  const { key: _key, environment: _environment, ...fields } = bannerFlag('', 100);
  const updated = await api.replaceFlag(flag.id, { ...fields, version: flag.version });
  const changedAt = performance.now();
  say(`  PUT /api/v1/features/${flag.id}: rollout_pct ${flag.rollout_pct} → ${updated.rollout_pct}`);
  for (;;) {
    const after = await home(url);
    const took = Math.round(performance.now() - changedAt);
    if (after.banner !== before.banner) {
      const restarted = after.pid !== before.pid;
      say(`  after   GET / → ${after.text}`);
      say(`  → the running app shows ${after.banner} ${took} ms after the change, ${restarted ? 'but from a NEW process' : `same process (pid ${after.pid}), no restart`}`);
      return !restarted;
    }
    if (took > withinMs) {
      say(`  after   GET / → ${after.text}`);
      say(`  → NOT changed ${withinMs / 1000} s after the flag changed`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
