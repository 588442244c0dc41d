// Release 2.0.0 of the sample app: healthy.
import { serve } from '../server.mjs';

serve({ version: '2.0.0' });
