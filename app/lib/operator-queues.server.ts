import type { Queue } from "bullmq";
import { appQueue, withTimeout } from "~/queues.server";
import { QUEUE_NAMES, type QueueName } from "../../worker/queues";

// The queues as operators see them: every queue the worker runs, through the app's
// own queue handles (one Redis connection, opened on first use).

export function operatorQueues(): Map<QueueName, Queue> {
  return new Map(QUEUE_NAMES.map((name) => [name, appQueue(name)] as const));
}

export type QueueCounts = { queue: QueueName; counts: Record<string, number> | null };

const COUNTED = ["waiting", "active", "delayed", "prioritized", "failed", "completed"] as const;

/** Job counts per queue; null for a queue Redis did not answer for in time. */
export async function queueCounts(names: readonly QueueName[] = ["import", "generate", "publish"], timeoutMs = 2_000): Promise<QueueCounts[]> {
  return Promise.all(
    names.map(async (queue) => {
      // The page must still render without Redis.
      const counts = await withTimeout<Record<string, number> | null>(appQueue(queue).getJobCounts(...COUNTED), timeoutMs, null).catch(() => null);
      return { queue, counts };
    }),
  );
}
