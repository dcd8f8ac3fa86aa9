// The faults the fleet lives through while the shops are busy: a worker SIGKILLed
// every few seconds (and a new one started), a PostgreSQL connection storm every so
// often, and one Redis restart. The provider's faults are the stand-in's fault mix.
import { connectionStorm } from "./database";
import type { PrivateRedis } from "./redis";
import { sleep } from "./util";
import type { WorkerPool } from "./workers";

export interface FaultLog {
  workerKills: number;
  storms: number;
  connectionsCut: number;
  redisRestarts: number;
  redisDownMs: number;
  errors: string[];
}

export interface FaultPlan {
  until: number;
  killEveryMs: number;
  stormEveryMs: number;
  redisRestartAt: number;
  baseDatabaseUrl: string;
  database: string;
}

async function every(until: number, periodMs: number, act: () => Promise<void>): Promise<void> {
  for (;;) {
    await sleep(periodMs);
    if (Date.now() >= until) return;
    await act();
  }
}

/** Runs every fault until `plan.until`; resolves when they have all stopped. */
export async function runFaults(plan: FaultPlan, pool: WorkerPool, redis: PrivateRedis): Promise<FaultLog> {
  const log: FaultLog = { workerKills: 0, storms: 0, connectionsCut: 0, redisRestarts: 0, redisDownMs: 0, errors: [] };
  const guard = (what: string, act: () => Promise<void>) => async () => {
    try {
      await act();
    } catch (error) {
      log.errors.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await Promise.all([
    every(plan.until, plan.killEveryMs, guard("kill", async () => {
      await pool.killOne();
      log.workerKills++;
    })),
    every(plan.until, plan.stormEveryMs, guard("storm", async () => {
      log.connectionsCut += await connectionStorm(plan.baseDatabaseUrl, plan.database);
      log.storms++;
    })),
    (async () => {
      await sleep(Math.max(0, plan.redisRestartAt - Date.now()));
      await guard("redis restart", async () => {
        const { downMs } = await redis.restart(2_000);
        log.redisRestarts++;
        log.redisDownMs += downMs;
      })();
    })(),
  ]);
  return log;
}
