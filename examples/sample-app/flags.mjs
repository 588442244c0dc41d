// The sample app's one feature flag, the string flag `shop-banner` ('classic' or 'holiday'), read through
// Cutover's OpenFeature provider (src/sdk/openfeature-provider.ts) with @openfeature/server-sdk: the provider
// streams the environment's flags from the API and evaluates them in process, so a change made in Cutover shows
// on the app's next request, without a restart.
//
// It reads CUTOVER_API_URL, CUTOVER_FLAGS_ENVIRONMENT and CUTOVER_FLAGS_TOKEN (a viewer's token, which the demo
// names in the definition's secretEnv so the API masks it). Without them, while the API cannot be reached, or
// before the provider has the configuration, every answer is the default: the app never waits for the flags.
//
// Why tsx: the provider is TypeScript and is imported straight from the source tree (there is no built SDK
// package), so the demo starts the app with `node --import tsx` and runs it in examples/sample-app, from where
// `tsx` resolves to the repository's own dependency (scripts/demo/sample-app.ts). The import is dynamic and only
// made when the variables are set, so plain `node releases/2.0.0.mjs` (the tests, the benchmarks) still works.

export const bannerFlag = 'shop-banner';
export const bannerDefault = 'classic';

/**
 * A reader of the banner for a request: `?user=` is the OpenFeature targeting key (the rollout buckets by it),
 * 'anonymous' when there is none.
 */
export function shopBanner() {
  const { CUTOVER_API_URL: apiUrl, CUTOVER_FLAGS_TOKEN: token, CUTOVER_FLAGS_ENVIRONMENT: environment } = process.env;
  if (!apiUrl || !token || !environment) return () => Promise.resolve(bannerDefault);
  const client = (async () => {
    const [{ OpenFeature }, { CutoverProvider }] = await Promise.all([import('@openfeature/server-sdk'), import('../../src/sdk/openfeature-provider.ts')]);
    // Not awaited: the provider connects in the background (reconnecting while the API is down), and evaluations
    // answer the default until the first configuration arrives.
    OpenFeature.setProvider(new CutoverProvider({ apiUrl, token, environment }));
    return OpenFeature.getClient('sample-app');
  })();
  client.catch((error) => console.error(`sample-app: flags unavailable, serving the default: ${error instanceof Error ? error.message : String(error)}`));
  return async (request) => {
    const flags = await client.catch(() => undefined);
    if (!flags) return bannerDefault;
    const user = new URL(request.url ?? '/', 'http://sample-app').searchParams.get('user') ?? 'anonymous';
    return flags.getStringValue(bannerFlag, bannerDefault, { targetingKey: user });
  };
}
