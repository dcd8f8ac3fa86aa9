import type { PrismaClient } from "@prisma/client";
import type { Queue } from "bullmq";
import { failAbandonedJob, markQueued } from "~/services/shoots/job-state.server";

export const GENERATE_ATTEMPTS = 4;
const MAX_PRIORITY = 2_000_000;

/**
 * Puts a shop's pending jobs on the generate queue, then marks them queued. A job's id
 * is its BullMQ id, so enqueueing twice (a retry, the sweeper) adds it once.
 * Fairness: a job's priority is its place in its own shop's line, so a 5-job shoot
 * interleaves with the front of a 5,000-job one instead of waiting behind all of it.
 */
export async function enqueueGenerationJobs(
  queue: Queue,
  db: PrismaClient,
  shopId: string,
  jobIds: string[],
  p: { backoffMs?: number } = {},
): Promise<void> {
  if (jobIds.length === 0) return;
  const ahead = await db.generationJob.count({
    where: { shopId, status: { in: ["queued", "processing"] }, id: { notIn: jobIds } },
  });
  await queue.addBulk(
    jobIds.map((jobId, i) => ({
      name: "generate",
      data: { shopId, jobId },
      opts: {
        jobId,
        priority: Math.min(MAX_PRIORITY, ahead + i + 1),
        attempts: GENERATE_ATTEMPTS,
        backoff: { type: "exponential", delay: p.backoffMs ?? 2_000, jitter: 0.5 },
        removeOnComplete: { age: 86_400, count: 50_000 },
        removeOnFail: { age: 7 * 86_400 },
      },
    })),
  );
  await markQueued(db, shopId, jobIds);
}

/** Jobs left pending (Redis was down at submit, or the app died before enqueueing). */
export async function sweepPendingJobs(queue: Queue, db: PrismaClient, olderThanMs = 60_000): Promise<number> {
  const stale = await db.generationJob.findMany({
    where: { status: "pending", createdAt: { lt: new Date(Date.now() - olderThanMs) } },
    select: { id: true, shopId: true },
    orderBy: { createdAt: "asc" },
    take: 5_000,
  });
  const byShop = new Map<string, string[]>();
  for (const j of stale) byShop.set(j.shopId, [...(byShop.get(j.shopId) ?? []), j.id]);
  for (const [shopId, ids] of byShop) await enqueueGenerationJobs(queue, db, shopId, ids);
  return stale.length;
}

/**
 * Queued jobs the queue no longer knows (Redis lost its data: a failover without
 * persistence, a flush) are put back on it; ones it failed on its own while the database
 * could not be told are failed and refunded. Checks the longest-waiting jobs first, a
 * bounded number per sweep: one state lookup each.
 */
export async function recoverLostJobs(
  queue: Queue,
  db: PrismaClient,
  p: { olderThanMs?: number; limit?: number } = {},
): Promise<{ requeued: number; failed: number }> {
  const waiting = await db.generationJob.findMany({
    where: { status: "queued", queuedAt: { lt: new Date(Date.now() - (p.olderThanMs ?? 10 * 60_000)) } },
    select: { id: true, shopId: true },
    orderBy: { queuedAt: "asc" },
    take: p.limit ?? 1_000,
  });
  const states = await Promise.all(waiting.map((j) => queue.getJobState(j.id)));
  const lost = new Map<string, string[]>();
  let failed = 0;
  for (const [i, j] of waiting.entries()) {
    if (states[i] === "unknown") lost.set(j.shopId, [...(lost.get(j.shopId) ?? []), j.id]);
    else if (states[i] === "failed" && (await failAbandonedJob(db, j.shopId, j.id))) failed++;
  }
  for (const [shopId, ids] of lost) await enqueueGenerationJobs(queue, db, shopId, ids);
  return { requeued: [...lost.values()].reduce((n, ids) => n + ids.length, 0), failed };
}
