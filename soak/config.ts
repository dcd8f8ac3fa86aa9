import { z } from "zod";
import type { FaultMix } from "../dev/providers/common";

/** What a soak run does; `npm run soak -- --shops 5 --duration 60 --seed 7` or SOAK_* variables. */
export const soakConfig = z.object({
  shops: z.coerce.number().int().min(1).max(200).default(20),
  /** Seconds of traffic; the drain and the checks come after. */
  durationS: z.coerce.number().int().min(10).max(1800).default(240),
  seed: z.coerce.number().int().min(0).default(1),
  /** Worker processes; one of them is SIGKILLed and restarted every `killEveryS`. */
  workers: z.coerce.number().int().min(2).max(8).default(2),
  killEveryS: z.coerce.number().min(1).default(6),
  /** Seconds between PostgreSQL connection storms. */
  stormEveryS: z.coerce.number().min(1).default(20),
  /** When in the traffic window Redis is restarted, as a fraction of it. */
  redisRestartAt: z.coerce.number().min(0.05).max(0.95).default(0.5),
  /** Bound on the traffic: shoots over all shops, and products per shoot. */
  maxShoots: z.coerce.number().int().min(1).default(160),
  maxShootProducts: z.coerce.number().int().min(1).max(50).default(8),
  /** Pause between one shop's actions (ms), so shops act at a human-ish pace. */
  thinkMs: z.coerce.number().int().min(0).default(1500),
  /** How long the provider stand-in takes per photo. */
  providerLatencyMs: z.coerce.number().int().min(0).default(1200),
  /** How long the queue may take to drain after the traffic stops. */
  drainTimeoutS: z.coerce.number().int().min(10).default(240),
  /** Keeps the run's database and files for inspection. */
  keep: z.preprocess((v) => v === true || v === "1" || v === "true", z.boolean()).default(false),
});
export type SoakConfig = z.infer<typeof soakConfig>;

/** The provider's faults: 429, 500, timeouts, failed statuses, lost and duplicated webhooks. */
export function providerFaults(seed: number): FaultMix {
  return {
    seed,
    rates: {
      rate_limited: 0.06,
      server_error: 0.05,
      hang: 0.02,
      stuck: 0.02,
      provider_error: 0.04,
      content_refused: 0.03,
      expired_output: 0.02,
      no_webhook: 0.08,
      duplicate_webhook: 0.08,
      recolour: 0.03,
    },
  };
}

const FLAGS: Record<string, keyof SoakConfig> = {
  "--shops": "shops",
  "--duration": "durationS",
  "--seed": "seed",
  "--workers": "workers",
  "--kill-every": "killEveryS",
  "--storm-every": "stormEveryS",
  "--max-shoots": "maxShoots",
  "--drain-timeout": "drainTimeoutS",
  "--keep": "keep",
};

const ENV: Record<string, keyof SoakConfig> = {
  SOAK_SHOPS: "shops",
  SOAK_DURATION_S: "durationS",
  SOAK_SEED: "seed",
  SOAK_WORKERS: "workers",
  SOAK_KILL_EVERY_S: "killEveryS",
  SOAK_STORM_EVERY_S: "stormEveryS",
  SOAK_MAX_SHOOTS: "maxShoots",
  SOAK_DRAIN_TIMEOUT_S: "drainTimeoutS",
  SOAK_KEEP: "keep",
};

/** Flags win over SOAK_* variables, which win over the defaults. */
export function parseSoakConfig(argv: string[], env: Record<string, string | undefined>): SoakConfig {
  const raw: Record<string, unknown> = {};
  for (const [name, key] of Object.entries(ENV)) if (env[name]) raw[key] = env[name];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split("=", 2) as [string, string | undefined];
    const key = FLAGS[flag];
    if (!key) throw new Error(`unknown option ${flag}; known: ${Object.keys(FLAGS).join(", ")}`);
    if (key === "keep") raw.keep = true;
    else raw[key] = inline ?? argv[++i];
  }
  const parsed = soakConfig.safeParse(raw);
  if (!parsed.success) throw new Error(`bad soak options: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}
