// Release 3.0.0 of the sample app: starts healthy, then fails every request after a few seconds (the demo's bad release).
import { serve } from '../server.mjs';

serve({ version: '3.0.0', failAfterMs: Number(process.env.SAMPLE_FAIL_AFTER_MS ?? 4_000) });
