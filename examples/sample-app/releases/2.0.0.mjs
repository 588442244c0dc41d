// Release 2.0.0 of the sample app: healthy; its home page shows the `shop-banner` feature flag (../flags.mjs).
import { shopBanner } from '../flags.mjs';
import { serve } from '../server.mjs';

const banner = shopBanner();
serve({ version: '2.0.0', home: async (request) => ({ banner: await banner(request), pid: process.pid }) });
