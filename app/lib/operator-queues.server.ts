import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { appEnv } from "~/env.server";
import { logger } from "~/logger.server";
import { makeQueue, QUEUE_NAMES, redisConnection, type QueueName } from "../../worker/queues";

// The queues as operators see them: every queue the worker runs, on the app's Redis
// and REDIS_PREFIX. A connection of their own, opened on first use, so the ops area
// adds nothing to a merchant's request path.

declare global {
  var __atelierOperatorQueues: { connection: Redis; queues: Map<QueueName, Queue> } | undefined;
}

let lastWarning = 0;
function warnRedisDown(error: Error): void {
  if (Date.now() - lastWarning < 30_000) return;
  lastWarning = Date.now();
  logger.warn({ err: error.message }, "Redis unavailable to the ops area");
}

export function operatorQueues(): Map<QueueName, Queue> {
  if (!globalThis.__atelierOperatorQueues) {
    const env = appEnv();
    const connection = redisConnection(env.REDIS_URL);
    connection.on("error", warnRedisDown);
    const queues = new Map(QUEUE_NAMES.map((name) => [name, makeQueue(name, connection, env.REDIS_PREFIX)] as const));
    for (const q of queues.values()) q.on("error", warnRedisDown);
    globalThis.__atelierOperatorQueues = { connection, queues };
  }
  return globalThis.__atelierOperatorQueues.queues;
}

export type QueueCounts = { queue: QueueName; counts: Record<string, number> | null };

const COUNTED = ["waiting", "active", "delayed", "prioritized", "failed", "completed"] as const;

/** Job counts per queue; null for a queue Redis did not answer for in time. */
export async function queueCounts(names: readonly QueueName[] = ["import", "generate", "publish"], timeoutMs = 2_000): Promise<QueueCounts[]> {
  const queues = operatorQueues();
  return Promise.all(
    names.map(async (queue) => {
      let timer: NodeJS.Timeout | undefined;
      // BullMQ waits for Redis indefinitely; the page must still render without it.
      const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), timeoutMs)));
      try {
        const counts = await Promise.race([queues.get(queue)!.getJobCounts(...COUNTED), timeout]);
        return { queue, counts };
      } catch {
        return { queue, counts: null };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

export async function closeOperatorQueues(): Promise<void> {
  const state = globalThis.__atelierOperatorQueues;
  if (!state) return;
  globalThis.__atelierOperatorQueues = undefined;
  await Promise.all([...state.queues.values()].map((q) => q.close()));
  state.connection.disconnect();
}
