// What Cutover uses of murmurhash3js-revisited (it ships no types): hash32 and its input-validation switch.
declare module 'murmurhash3js-revisited' {
  const murmurHash3: { x86: { hash32(bytes: Uint8Array, seed?: number): number }; inputValidation: boolean };
  export default murmurHash3;
}
