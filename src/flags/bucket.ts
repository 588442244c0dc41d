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

// The library checks, on every call, that each element is a byte; ours always are (UTF-8 from the encoder below),
// and the check cost more than the hash.
murmurHash3.inputValidation = false;

const utf8 = new TextEncoder();
/** Reused for every hash: keys are short, and an evaluation hashes once or twice. */
let scratch = new Uint8Array(256);

/** The UTF-8 bytes of `text`, in the scratch buffer (a view of it: hashed at once, before the next call). */
function utf8Bytes(text: string): Uint8Array {
  // At most 3 bytes per UTF-16 unit.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  const { written } = utf8.encodeInto(text, scratch);
  return scratch.subarray(0, written);
}

/** 1..normalizer: where `identifier` falls in `group` (the flag's key or a rollout's group id). */
export function bucketOf(group: string, identifier: string, normalizer = 100, seed = rolloutSeed): number {
  return (murmurHash3.x86.hash32(utf8Bytes(`${group}:${identifier}`), seed) % normalizer) + 1;
}

/** Whether an identifier is inside a rollout of `percentage` (0–100) of `group`. */
export function inRollout(group: string, identifier: string, percentage: number): boolean {
  return percentage > 0 && bucketOf(group, identifier, 100, rolloutSeed) <= percentage;
}

/** The variant an identifier gets among weighted variants (weights need not sum to anything in particular). */
export function pickVariant<T extends { weight: number }>(group: string, identifier: string, variants: readonly T[]): T | undefined {
  let total = 0;
  let only: T | undefined;
  let weighted = 0;
  for (const variant of variants) {
    if (variant.weight <= 0) continue;
    total += variant.weight;
    weighted += 1;
    only = variant;
  }
  if (total <= 0) return undefined;
  // One variant with weight: it is everyone's, whatever their bucket (no hash needed).
  if (weighted === 1) return only;
  const target = bucketOf(group, identifier, total, variantSeed);
  let counter = 0;
  for (const variant of variants) {
    if (variant.weight <= 0) continue;
    counter += variant.weight;
    if (counter >= target) return variant;
  }
  return undefined;
}
