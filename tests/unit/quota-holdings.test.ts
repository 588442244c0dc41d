import { describe, expect, it } from 'vitest';
import { holdingRefusal, limitOf } from '../../src/quotas/enforce.ts';
import { defaultQuotas } from '../../src/quotas/limits.ts';

const gib = 1024 ** 3;

describe('holdingRefusal', () => {
  it('admits up to the limit and refuses one more, naming the quota in the API\'s words', () => {
    expect(holdingRefusal('services', 3, 2)).toBeUndefined();
    expect(holdingRefusal('services', 3, 3)).toMatchObject({ quota: 'services', limit: 3, used: 3, remaining: 0, reset_at: null });
    expect(holdingRefusal('opsJobs', 0, 0)).toMatchObject({ quota: 'ops_jobs', limit: 0 });
    expect(holdingRefusal('concurrentReleases', 1, 1)?.message).toMatch(/wait for a release to end/);
    expect(holdingRefusal('services', 5, 4, 2)).toMatchObject({ quota: 'services', used: 4 });
  });

  it('compares storage in bytes against GiB and refuses once full, saying how full', () => {
    expect(holdingRefusal('storageGb', 1, gib - 1)).toBeUndefined();
    const full = holdingRefusal('storageGb', 1, 1.5 * gib);
    expect(full).toMatchObject({ quota: 'storage_gb', limit: 1, used: 1.5 });
    expect(full?.message).toMatch(/1\.5 of 1 GiB/);
  });

  it('takes the workspace\'s own limit over the default', () => {
    expect(limitOf({ services: 7 }, 'services')).toBe(7);
    expect(limitOf({}, 'services')).toBe(defaultQuotas.services);
  });
});
