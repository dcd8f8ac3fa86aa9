import type { PrismaClient } from "@prisma/client";
import type { Job } from "bullmq";
import type { Logger } from "pino";
import { failAbandonedJob } from "../app/services/shoots/job-state.server";
import { generateJob } from "./generate";

/** Times a job may lose its worker (crash, OOM kill, deploy) before the queue gives it up. */
export const MAX_STALLED_COUNT = 10;

/**
 * BullMQ can give a generate job up without the processor's say: past the stall limit
 * it fails the job in Redis only. The photo must not stay queued or processing in the
 * database (holding a provider slot, never refunded): it is failed and refunded as a
 * last attempt would be. Exactly once, since failJob only moves unfinished jobs; a job
 * its processor already failed, or that completed, is left as it is.
 */
export async function settleGivenUpJob(db: PrismaClient, job: Job, log: Logger): Promise<boolean> {
  try {
    if ((await job.getState()) !== "failed") return false;
    const data = generateJob.safeParse(job.data);
    if (!data.success) return false;
    const failed = await failAbandonedJob(db, data.data.shopId, data.data.jobId);
    if (failed) log.warn({ jobId: job.id, reason: job.failedReason }, "job given up by the queue; failed and refunded");
    return failed;
  } catch (err) {
    log.warn({ jobId: job.id, err }, "could not settle a job the queue gave up on");
    return false;
  }
}
