// Release 3.0.0 of the sample app: starts healthy, then fails every request after a few seconds (the demo's bad release).
// Like 2.0.0, its home page shows the `shop-banner` feature flag (../flags.mjs).
import { shopBanner } from '../flags.mjs';
import { serve } from '../server.mjs';

const banner = shopBanner();
serve({
  version: '3.0.0',
  failAfterMs: Number(process.env.SAMPLE_FAIL_AFTER_MS ?? 4_000),
  home: async (request) => ({ banner: await banner(request), pid: process.pid }),
});
