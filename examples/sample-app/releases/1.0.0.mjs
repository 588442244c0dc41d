// Release 1.0.0 of the sample app: healthy.
import { serve } from '../server.mjs';

serve({ version: '1.0.0' });
