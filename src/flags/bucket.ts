import murmurHash3 from 'murmurhash3js-revisited';

/**
 * Consistent buckets, compatible with Unleash: MurmurHash3 (x86, 32 bit) of `group:identifier`, as UTF-8 bytes,
 * modulo the normalizer, plus one. The same user always lands in the same bucket of a flag, so raising a rollout
 * from 10% to 20% only adds users; a team moving from Unleash keeps its users' buckets (same seeds, same groups).
 */

/** Unleash's seed for a rollout percentage (buckets 1–100). */
export const rolloutSeed = 0;
/** Unleash's seed for picking a variant (buckets 1–total weight), so variant and rollout buckets are independent. */
export const variantSeed = 86_028_157;

const utf8 = new TextEncoder();

/** 1..normalizer: where `identifier` falls in `group` (the flag's key or a rollout's group id). */
export function bucketOf(group: string, identifier: string, normalizer = 100, seed = rolloutSeed): number {
  return (murmurHash3.x86.hash32(utf8.encode(`${group}:${identifier}`), seed) % normalizer) + 1;
}

/** Whether an identifier is inside a rollout of `percentage` (0–100) of `group`. */
export function inRollout(group: string, identifier: string, percentage: number): boolean {
  return percentage > 0 && bucketOf(group, identifier, 100, rolloutSeed) <= percentage;
}

/** The variant an identifier gets among weighted variants (weights need not sum to anything in particular). */
export function pickVariant<T extends { weight: number }>(group: string, identifier: string, variants: readonly T[]): T | undefined {
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  if (total <= 0) return undefined;
  const target = bucketOf(group, identifier, total, variantSeed);
  let counter = 0;
  for (const variant of variants) {
    if (variant.weight <= 0) continue;
    counter += variant.weight;
    if (counter >= target) return variant;
  }
  return undefined;
}
