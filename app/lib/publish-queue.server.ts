import type { PrismaClient } from "@prisma/client";
import type { Queue } from "bullmq";
import { publicationsToSweep } from "~/services/publish/requests.server";

export const PUBLISH_ATTEMPTS = 6;

/**
 * Puts publications on the publish queue. Each run reconciles the publication with
 * what the merchant asked for, so a duplicate run is harmless; BullMQ ids carry the
 * time so a later request is never swallowed by an earlier finished job.
 */
export async function enqueuePublications(queue: Queue, items: { id: string; shopId: string }[]): Promise<void> {
  if (items.length === 0) return;
  const stamp = Date.now();
  await queue.addBulk(
    items.map((p) => ({
      name: "publish",
      data: { shopId: p.shopId, publicationId: p.id },
      opts: {
        jobId: `${p.id}-${stamp}`,
        attempts: PUBLISH_ATTEMPTS,
        backoff: { type: "exponential", delay: 2_000, jitter: 0.5 },
        removeOnComplete: { age: 86_400, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    })),
  );
}

/** Publications left waiting (Redis was down, a worker died holding one). */
export async function sweepPublications(queue: Queue, db: PrismaClient, olderThanMs = 60_000): Promise<number> {
  const stale = await publicationsToSweep(db, olderThanMs);
  await enqueuePublications(queue, stale);
  return stale.length;
}
