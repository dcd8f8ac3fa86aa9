import { createHash } from "node:crypto";
import type { Prisma, PrismaClient } from "@prisma/client";
import { assertNothingOwed } from "../billing/fulfil.server";
import { refundJob } from "../credits/operations.server";
import { shootAgain, type ShotSettings } from "../shoots/regenerate.server";
import type { Operator } from "./operator.server";

// Failed-job triage: "Refund and retry" (docs/decisions/009-operator-triage.md).

export class TriageError extends Error {
  readonly code = "cannot_retry";
  constructor(
    message: string,
    /** No such job, as opposed to a job that cannot be retried. */
    readonly notFound = false,
  ) {
    super(message);
  }
}

type Tx = Prisma.TransactionClient;

interface FailedJob extends ShotSettings {
  shop_id: string;
  regenerated_as: string | null;
  status: string;
}

export interface RetryOutcome {
  shopId: string;
  failedJobId: string;
  retryJobId: string;
  costCredits: number;
  /** This call posted the failed job's refund (normally the worker already had). */
  refunded: boolean;
  /** The job had already been retried: nothing changed, the first retry is returned. */
  replayed: boolean;
}

/**
 * The retry's id is derived from the failed job's, so its charge has a fixed ledger key
 * (job_reserve_<id>) and its row a fixed primary key: a second retry of the same job
 * cannot be charged or inserted even if the marker check were bypassed.
 */
export function retryJobId(failedJobId: string): string {
  const b = createHash("sha256").update(`atelier:operator-retry:${failedJobId.toLowerCase()}`).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80; // RFC 9562 version 8 (application-defined)
  b[8] = (b[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function lockFailedJob(tx: Tx, jobId: string): Promise<FailedJob> {
  const [job] = await tx.$queryRaw<FailedJob[]>`
    select id, shop_id, batch_id, product_id, input_asset_id, prompt, model_preset, pose_preset, scene_preset,
           generation_type, aspect_ratio, variation, cost_credits, regenerated_as, status
      from public.generation_jobs where id = ${jobId}::uuid for update`;
  if (!job) throw new TriageError("Job not found.", true);
  if (job.status !== "failed") throw new TriageError(`Only failed jobs can be retried; this one is ${job.status}.`);
  return job;
}

/**
 * Its own transaction, committed before the retry is attempted: a failed job is owed
 * its credits whether or not the retry can then be charged.
 */
export async function refundIfOwed(db: PrismaClient, operator: Operator, jobId: string): Promise<{ shopId: string; refunded: boolean }> {
  return db.$transaction(async (tx) => {
    const job = await lockFailedJob(tx, jobId);
    // Any refund counts, whatever its key: the ledger allows one per job.
    const existing = await tx.creditLedgerEntry.findFirst({ where: { jobId, txType: "refund" }, select: { id: true } });
    if (existing) return { shopId: job.shop_id, refunded: false };
    const posted = await refundJob(tx, job.shop_id, { jobId, description: "Refund for a failed photo (support)" });
    await tx.jobEvent.create({
      data: { jobId, shopId: job.shop_id, event: "operator_refund", detail: { operatorUserId: operator.userId, operatorShopId: operator.shopId } },
    });
    return { shopId: job.shop_id, refunded: !posted.replayed };
  });
}

async function shootRetry(tx: Tx, operator: Operator, old: FailedJob): Promise<string> {
  const by = { operatorUserId: operator.userId, operatorShopId: operator.shopId };
  // Charged like a regeneration; the failed job points at its one retry (the marker).
  const id = await shootAgain(tx, old.shop_id, old, {
    id: retryJobId(old.id),
    description: "Retry of a failed photo (support)",
    detail: { retries: old.id, ...by },
  });
  await tx.jobEvent.create({ data: { jobId: old.id, shopId: old.shop_id, event: "operator_retry", detail: { retryJobId: id, ...by } } });
  return id;
}

/**
 * Shoots a failed job's product with the same settings again as a new job charged to
 * its shop. At most once per failed job: a second call (a double click) returns the
 * first retry and changes nothing. Call refundIfOwed first; enqueue the retry after.
 */
export async function retryFailedJob(db: PrismaClient, operator: Operator, failedJobId: string, refunded: boolean): Promise<RetryOutcome> {
  return db.$transaction(async (tx) => {
    const old = await lockFailedJob(tx, failedJobId);
    const base = { shopId: old.shop_id, failedJobId, costCredits: old.cost_credits, refunded };
    if (old.regenerated_as) return { ...base, retryJobId: old.regenerated_as, replayed: true };

    const shop = await tx.shop.findUniqueOrThrow({ where: { id: old.shop_id }, select: { uninstalledAt: true } });
    if (shop.uninstalledAt) throw new TriageError("The shop has uninstalled Atelier; nothing to retry for.");
    if (old.batch_id) {
      const batch = await tx.generationBatch.findUnique({ where: { id: old.batch_id }, select: { cancelledAt: true } });
      if (batch?.cancelledAt) throw new TriageError("The merchant cancelled this shoot.");
    }
    if (!old.input_asset_id) throw new TriageError("The product photo this job was made from is gone.");
    await assertNothingOwed(tx, old.shop_id);
    return { ...base, retryJobId: await shootRetry(tx, operator, old), replayed: false };
  });
}
