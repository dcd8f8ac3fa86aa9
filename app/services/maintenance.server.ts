import type { PrismaClient } from "@prisma/client";
import type { Storage } from "./storage/storage.server";
import { failJob } from "./shoots/job-state.server";

const DAY = 86_400_000;

/**
 * Uploaded photos nobody needs any more: stale or orphaned for 30 days and not the
 * input of any job. Rows and files go together; a file that is already gone is fine.
 */
export async function deleteUnusedAssets(db: PrismaClient, storage: Storage, now = new Date()): Promise<number> {
  const candidates = await db.asset.findMany({
    where: { kind: "upload", status: { in: ["stale", "orphaned"] }, updatedAt: { lt: new Date(now.getTime() - 30 * DAY) }, inputOfJobs: { none: {} } },
    select: { id: true, bucket: true, path: true },
    take: 1000,
  });
  for (const a of candidates) {
    await storage.delete(a.bucket as "uploads", [a.path]);
    await db.asset.delete({ where: { id: a.id } });
  }
  return candidates.length;
}

/**
 * Output files of jobs that ended failed or cancelled. An attempt can store its output
 * and then lose the race to complete the job: the merchant cancelled it in flight, a
 * later attempt failed it, or the worker died between storing and completing and the
 * job failed afterwards. No asset points at such a file, so nothing else would delete
 * it. Looks at jobs that had started and ended within `withinMs`; the task runs more
 * often than that, so each such job is looked at a few times and late writes are caught.
 */
export async function deleteOrphanOutputs(db: PrismaClient, storage: Storage, now = new Date(), withinMs = 2 * DAY): Promise<number> {
  const ended = await db.generationJob.findMany({
    where: { status: { in: ["failed", "cancelled"] }, startedAt: { not: null }, completedAt: { gte: new Date(now.getTime() - withinMs) } },
    select: { id: true, shopId: true },
    orderBy: { completedAt: "asc" },
    take: 5_000,
  });
  let deleted = 0;
  for (const j of ended) deleted += await storage.deletePrefix("outputs", `${j.shopId}/${j.id}/`);
  return deleted;
}

export async function deleteOldJobEvents(db: PrismaClient, now = new Date()): Promise<number> {
  const result = await db.jobEvent.deleteMany({ where: { createdAt: { lt: new Date(now.getTime() - 90 * DAY) } } });
  return result.count;
}

/**
 * Jobs stuck in `processing` long past any provider's timeout (their worker and the
 * queue's stall recovery both lost them): failed and refunded, once.
 */
export async function failStuckJobs(db: PrismaClient, timeoutMs: number, now = new Date()): Promise<number> {
  const stuck = await db.generationJob.findMany({
    where: { status: "processing", startedAt: { lt: new Date(now.getTime() - timeoutMs) } },
    select: { id: true, shopId: true },
    take: 1000,
  });
  let failed = 0;
  for (const j of stuck) {
    if (await failJob(db, j.shopId, j.id, { code: "stuck", message: "The photo took far too long and was stopped; its credits were refunded." })) failed++;
  }
  return failed;
}
