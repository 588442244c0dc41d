/** A string flag for the API tests: staff get one-page by rule, a quarter of the rest by rollout, others classic. */
export const checkoutFlag = (overrides: Record<string, unknown> = {}) => ({
  key: 'new-checkout',
  environment: 'staging',
  name: 'New checkout',
  type: 'string',
  enabled: true,
  variants: [
    { key: 'classic', value: 'classic', weight: 0 },
    { key: 'one-page', value: 'one-page', weight: 100 },
  ],
  default_variant: 'classic',
  rollout_pct: 25,
  rules: [{ id: 'staff', conditions: [{ attribute: 'email', operator: 'ends_with', values: ['@cutover.dev'] }], variant: 'one-page' }],
  ...overrides,
});
