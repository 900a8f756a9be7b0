import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/**
 * Floats in [0, 1) from a seed (pure-rand's xoroshiro128+), so that a storm's
 * order or a benchmark's load mix can be replayed exactly from its seed.
 */
export function seededRandom(seed: number): () => number {
  const rng = xoroshiro128plus(seed);
  return () => uniformFloat64(rng);
}
