import type { PrismaClient } from "@prisma/client";
import type { JobStatus } from "@prisma/client";
import { refundJob } from "../credits/operations.server";
import type { Db } from "../prisma.server";

// Every status change of a generation job is a conditional update plus a job_events
// row, in one transaction, so two workers racing on one job cannot both win.

async function transition(
  db: Db,
  p: { shopId: string; jobId: string; from: JobStatus[]; to: JobStatus; event: string; data?: Record<string, unknown>; detail?: Record<string, unknown> },
): Promise<boolean> {
  const updated = await db.generationJob.updateMany({
    where: { id: p.jobId, shopId: p.shopId, status: { in: p.from } },
    data: { status: p.to, ...p.data },
  });
  if (updated.count === 0) return false;
  await db.jobEvent.create({
    data: { jobId: p.jobId, shopId: p.shopId, event: p.event, toStatus: p.to, detail: (p.detail ?? {}) as object },
  });
  return true;
}

/** pending → queued, after the job is on the queue; a job a worker already took stays taken. */
export async function markQueued(db: PrismaClient, shopId: string, jobIds: string[]): Promise<void> {
  if (jobIds.length === 0) return;
  await db.$transaction(async (tx) => {
    const moved = await tx.$queryRaw<{ id: string }[]>`
      update public.generation_jobs set status = 'queued', queued_at = now()
       where shop_id = ${shopId}::uuid and status = 'pending' and id = any(${jobIds}::uuid[])
      returning id`;
    await tx.jobEvent.createMany({
      data: moved.map((m) => ({ jobId: m.id, shopId, event: "queued", fromStatus: "pending" as const, toStatus: "queued" as const })),
    });
  });
}

/**
 * Takes a job for processing. A job already `processing` is taken again too: that is
 * a stalled attempt (its worker died) that the queue handed to another worker.
 */
export async function claimJob(db: PrismaClient, shopId: string, jobId: string, provider: string) {
  return db.$transaction(async (tx) => {
    const ok = await transition(tx, {
      shopId,
      jobId,
      from: ["queued", "processing", "pending"],
      to: "processing",
      event: "processing",
      data: { startedAt: new Date(), attempts: { increment: 1 }, provider },
    });
    if (!ok) return null;
    return tx.generationJob.findUniqueOrThrow({ where: { id: jobId }, include: { inputAsset: true } });
  });
}

/** processing → queued: a transient failure the queue will retry. */
export async function releaseForRetry(db: PrismaClient, shopId: string, jobId: string, error: { code: string; message: string }) {
  await transition(db, { shopId, jobId, from: ["processing"], to: "queued", event: "retry", data: { errorCode: error.code, errorMessage: error.message }, detail: error });
}

/** processing → completed with its output asset; false when another attempt finished first. */
export async function completeJob(
  db: PrismaClient,
  shopId: string,
  jobId: string,
  output: { bucket: string; path: string; mimeType: string; byteSize: number; width: number; height: number; sha256: string; productId: string | null },
): Promise<boolean> {
  return db.$transaction(async (tx) => {
    const ok = await transition(tx, {
      shopId,
      jobId,
      from: ["processing"],
      to: "completed",
      event: "completed",
      data: { completedAt: new Date(), errorCode: null, errorMessage: null },
      detail: { path: output.path },
    });
    if (!ok) return false;
    await tx.asset.create({
      data: {
        shopId,
        kind: "output",
        source: "provider",
        bucket: output.bucket,
        path: output.path,
        jobId,
        productId: output.productId,
        mimeType: output.mimeType,
        byteSize: BigInt(output.byteSize),
        width: output.width,
        height: output.height,
        sha256: output.sha256,
      },
    });
    return true;
  });
}

/**
 * The job failed for good: mark it and give its credits back, exactly once (the
 * refund's key is the job's, and the status change is conditional).
 */
export async function failJob(db: PrismaClient, shopId: string, jobId: string, error: { code: string; message: string }) {
  return db.$transaction(async (tx) => {
    const ok = await transition(tx, {
      shopId,
      jobId,
      from: ["pending", "queued", "processing"],
      to: "failed",
      event: "failed",
      data: { completedAt: new Date(), errorCode: error.code, errorMessage: error.message.slice(0, 1000) },
      detail: error,
    });
    if (ok) await refundJob(tx, shopId, { jobId, description: "Refund for a failed photo" });
    return ok;
  });
}

/** Cancels jobs that have not started (or one in flight, when the provider stops it) and refunds them. */
export async function cancelJobs(db: PrismaClient, shopId: string, jobIds: string[], p: { includeProcessing?: boolean } = {}) {
  const cancelled: string[] = [];
  for (const jobId of jobIds) {
    const ok = await db.$transaction(async (tx) => {
      const moved = await transition(tx, {
        shopId,
        jobId,
        from: p.includeProcessing ? ["pending", "queued", "processing"] : ["pending", "queued"],
        to: "cancelled",
        event: "cancelled",
        data: { completedAt: new Date() },
      });
      if (moved) await refundJob(tx, shopId, { jobId, description: "Refund for a cancelled photo" });
      return moved;
    });
    if (ok) cancelled.push(jobId);
  }
  return cancelled;
}
