import { hash32, mulberry32 } from "../worker/providers/studio/random";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Rejects once `ms` have passed: BullMQ waits for a Redis that is down indefinitely. */
export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms)));
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A seeded generator (mulberry32), so a run's traffic can be replayed with its seed. */
export function rng(seed: number) {
  // Hashed first: mulberry32 started from neighbouring seeds gives correlated early draws.
  const next = mulberry32(hash32(`soak:${seed}`));
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    chance: (p: number) => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
export type Rng = ReturnType<typeof rng>;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}
