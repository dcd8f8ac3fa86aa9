import type { Redis } from "ioredis";

// A provider whose account is unusable (bad key, out of credits) is paused fleet-wide
// for a while instead of failing every merchant's job against it: its jobs wait on
// the queue, operators get an error log, and the pause lapses on its own so a fixed
// account resumes without a deploy (`npm run ops -- provider-resume NAME` ends it now).

export interface ProviderPauses {
  /** Milliseconds left on the provider's pause; 0 when it is not paused. */
  remainingMs(provider: string): Promise<number>;
  pause(provider: string, reason: string, ms: number): Promise<void>;
  resume(provider: string): Promise<boolean>;
  list(): Promise<{ provider: string; reason: string; remainingMs: number }[]>;
}

export function redisProviderPauses(redis: Redis, prefix: string): ProviderPauses {
  const key = (provider: string) => `${prefix}:provider-paused:${provider}`;
  return {
    async remainingMs(provider) {
      return Math.max(0, await redis.pttl(key(provider)));
    },
    async pause(provider, reason, ms) {
      await redis.set(key(provider), reason, "PX", ms);
    },
    async resume(provider) {
      return (await redis.del(key(provider))) > 0;
    },
    async list() {
      const keys = await redis.keys(`${prefix}:provider-paused:*`);
      return Promise.all(
        keys.map(async (k) => ({
          provider: k.slice(`${prefix}:provider-paused:`.length),
          reason: (await redis.get(k)) ?? "",
          remainingMs: Math.max(0, await redis.pttl(k)),
        })),
      );
    },
  };
}

/** For tests and single-process tools: the same contract in memory. */
export function memoryProviderPauses(now: () => number = Date.now): ProviderPauses {
  const until = new Map<string, { at: number; reason: string }>();
  const left = (p: string) => Math.max(0, (until.get(p)?.at ?? 0) - now());
  return {
    remainingMs: async (p) => left(p),
    pause: async (p, reason, ms) => void until.set(p, { at: now() + ms, reason }),
    resume: async (p) => until.delete(p),
    list: async () => [...until].filter(([p]) => left(p) > 0).map(([provider, v]) => ({ provider, reason: v.reason, remainingMs: left(provider) })),
  };
}
