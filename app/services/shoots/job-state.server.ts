import { Prisma, type JobStatus, type PrismaClient } from "@prisma/client";
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
  await db.$executeRaw`
    with moved as (
      update public.generation_jobs set status = 'queued', queued_at = now()
       where shop_id = ${shopId}::uuid and status = 'pending' and id = any(${jobIds}::uuid[])
      returning id
    )
    insert into public.job_events (job_id, shop_id, event, from_status, to_status)
    select id, ${shopId}::uuid, 'queued', 'pending', 'queued' from moved`;
}

export interface ClaimedJob {
  id: string;
  shopId: string;
  batchId: string | null;
  productId: string | null;
  status: JobStatus;
  modelPreset: string;
  posePreset: string;
  scenePreset: string;
  generationType: string;
  aspectRatio: string | null;
  variation: number;
  seed: number | null;
  prompt: string | null;
  costCredits: number;
  attempts: number;
  provider: string | null;
  providerModel: string | null;
  providerJobId: string | null;
  submittedAt: Date | null;
  inputAsset: { bucket: string; path: string; mimeType: string } | null;
}

/** What the worker reads of a job (`m`) and its input photo (`a`), as a ClaimRow. */
const CLAIMED_COLUMNS = Prisma.sql`m.id, m.shop_id, m.batch_id, m.product_id, m.status, m.model_preset, m.pose_preset, m.scene_preset,
  m.generation_type, m.aspect_ratio, m.variation, m.seed, m.prompt, m.cost_credits, m.attempts,
  m.provider, m.provider_model, m.provider_job_id, m.submitted_at,
  a.bucket as input_bucket, a.path as input_path, a.mime_type as input_mime_type`;

interface ClaimRow {
  id: string;
  shop_id: string;
  batch_id: string | null;
  product_id: string | null;
  status: JobStatus;
  model_preset: string;
  pose_preset: string;
  scene_preset: string;
  generation_type: string;
  aspect_ratio: string | null;
  variation: number;
  seed: number | null;
  prompt: string | null;
  cost_credits: number;
  attempts: number;
  provider: string | null;
  provider_model: string | null;
  provider_job_id: string | null;
  submitted_at: Date | null;
  input_bucket: string | null;
  input_path: string | null;
  input_mime_type: string | null;
}

/** What the router decided for a job; `cap` bounds the provider's jobs in flight fleet-wide. */
export interface ClaimRoute {
  provider: string;
  model: string;
  cap?: number;
}

/**
 * Takes a job for processing. A job already `processing` is taken again too: that is
 * a stalled attempt (its worker died) that the queue handed to another worker.
 * One statement (update, event, input lookup): this runs once per photo at fleet scale.
 * With a `cap`, the claim also takes one of the provider's slots, under a per-provider
 * lock, and answers "at_capacity" when none is free.
 */
export async function claimJob(
  db: PrismaClient,
  shopId: string,
  jobId: string,
  r?: ClaimRoute,
): Promise<ClaimedJob | null | "at_capacity"> {
  const cap = r?.cap ?? null;
  const claim = db.$queryRaw<ClaimRow[]>`
    with moved as (
      update public.generation_jobs
         set status = 'processing', started_at = now(), attempts = attempts + 1,
             provider = coalesce(${r?.provider ?? null}::text, provider),
             provider_model = coalesce(${r?.model ?? null}::text, provider_model),
             provider_job_id = null,
             submitted_at = case when ${cap}::int is null then null else now() end
       where id = ${jobId}::uuid and shop_id = ${shopId}::uuid and status in ('pending', 'queued', 'processing')
         and (${cap}::int is null or (
           select count(*) from public.generation_jobs f
            where f.status = 'processing' and f.submitted_at is not null
              and f.provider = ${r?.provider ?? null}::text and f.id <> ${jobId}::uuid) < ${cap}::int)
      returning *
    ), event as (
      insert into public.job_events (job_id, shop_id, event, to_status)
      select id, shop_id, 'processing', 'processing' from moved
    )
    select ${CLAIMED_COLUMNS}
      from moved m left join public.assets a on a.id = m.input_asset_id`;
  let rows: ClaimRow[];
  if (cap === null) {
    rows = await claim;
  } else {
    // The lock makes count-then-claim atomic per provider; it ends with the transaction.
    const lock = db.$executeRaw`select pg_advisory_xact_lock(hashtextextended(${`provider-slots:${r!.provider}`}, 0))`;
    rows = (await db.$transaction([lock, claim]))[1];
    if (rows.length === 0) {
      const still = await db.generationJob.findFirst({ where: { id: jobId, shopId, status: { in: ["pending", "queued", "processing"] } }, select: { id: true } });
      if (still) return "at_capacity";
    }
  }
  const row = rows[0];
  return row ? toClaimed(row) : null;
}

/**
 * A job as the worker first sees it, in one read: its presets (for routing) and, when
 * it was already submitted to its provider (or cancelled while it was), what the
 * check phase needs. Null for another shop's id or a job that is gone.
 */
export async function jobForWork(db: PrismaClient, shopId: string, jobId: string): Promise<ClaimedJob | null> {
  const rows = await db.$queryRaw<ClaimRow[]>`
    select ${CLAIMED_COLUMNS}
      from public.generation_jobs m left join public.assets a on a.id = m.input_asset_id
     where m.id = ${jobId}::uuid and m.shop_id = ${shopId}::uuid`;
  return rows[0] ? toClaimed(rows[0]) : null;
}

/** The provider accepted the job: remember its id so checks and webhooks can find it. */
export async function recordSubmission(db: PrismaClient, shopId: string, jobId: string, providerJobId: string): Promise<boolean> {
  const n = await db.$executeRaw`
    with moved as (
      update public.generation_jobs set provider_job_id = ${providerJobId}, submitted_at = coalesce(submitted_at, now())
       where id = ${jobId}::uuid and shop_id = ${shopId}::uuid and status = 'processing'
      returning id, shop_id
    )
    insert into public.job_events (job_id, shop_id, event, to_status, detail)
    select id, shop_id, 'submitted', 'processing', jsonb_build_object('providerJobId', ${providerJobId}::text) from moved`;
  return n > 0;
}

/** A cancelled job's work was stopped at the provider (or could not be): forget its id. */
export async function forgetSubmission(db: PrismaClient, shopId: string, jobId: string): Promise<void> {
  await db.generationJob.updateMany({ where: { id: jobId, shopId, status: { not: "processing" } }, data: { providerJobId: null } });
}

/** processing → queued without spending an attempt: the provider is paused or full. */
export async function putBack(db: PrismaClient, shopId: string, jobId: string, reason: string): Promise<void> {
  await db.$executeRaw`
    with moved as (
      update public.generation_jobs
         set status = 'queued', attempts = greatest(attempts - 1, 0), provider_job_id = null, submitted_at = null
       where id = ${jobId}::uuid and shop_id = ${shopId}::uuid and status = 'processing'
      returning id, shop_id
    )
    insert into public.job_events (job_id, shop_id, event, from_status, to_status, detail)
    select id, shop_id, 'waiting', 'processing', 'queued', jsonb_build_object('reason', ${reason}::text) from moved`;
}

function toClaimed(r: ClaimRow): ClaimedJob {
  return {
    id: r.id,
    shopId: r.shop_id,
    batchId: r.batch_id,
    productId: r.product_id,
    status: r.status,
    modelPreset: r.model_preset,
    posePreset: r.pose_preset,
    scenePreset: r.scene_preset,
    generationType: r.generation_type,
    aspectRatio: r.aspect_ratio,
    variation: r.variation,
    seed: r.seed,
    prompt: r.prompt,
    costCredits: r.cost_credits,
    attempts: r.attempts,
    provider: r.provider,
    providerModel: r.provider_model,
    providerJobId: r.provider_job_id,
    submittedAt: r.submitted_at,
    inputAsset: r.input_bucket && r.input_path && r.input_mime_type ? { bucket: r.input_bucket, path: r.input_path, mimeType: r.input_mime_type } : null,
  };
}

/** processing → queued: a transient failure the queue will retry. */
export async function releaseForRetry(db: PrismaClient, shopId: string, jobId: string, error: { code: string; message: string }) {
  await transition(db, { shopId, jobId, from: ["processing"], to: "queued", event: "retry", data: { errorCode: error.code, errorMessage: error.message, providerJobId: null, submittedAt: null }, detail: error });
}

/**
 * processing → completed with its output asset, in one statement; false when another
 * attempt finished first (the asset is only written when the status moved).
 */
export async function completeJob(
  db: PrismaClient,
  shopId: string,
  jobId: string,
  output: { bucket: string; path: string; mimeType: string; byteSize: number; width: number; height: number; sha256: string; productId: string | null },
  review: { needsReview: boolean; reason?: string; fidelity?: object } = { needsReview: false },
): Promise<boolean> {
  const rows = await db.$queryRaw<{ id: string }[]>`
    with moved as (
      update public.generation_jobs
         set status = 'completed', completed_at = now(), error_code = null, error_message = null,
             needs_review = ${review.needsReview}, review_reason = ${review.reason ?? null}::text,
             fidelity = ${review.fidelity ? JSON.stringify(review.fidelity) : null}::jsonb
       where id = ${jobId}::uuid and shop_id = ${shopId}::uuid and status = 'processing'
      returning id, shop_id
    ), event as (
      insert into public.job_events (job_id, shop_id, event, to_status, detail)
      select id, shop_id, 'completed', 'completed', jsonb_build_object('path', ${output.path}::text) from moved
    ), asset as (
      insert into public.assets (shop_id, kind, source, bucket, path, job_id, product_id, mime_type, byte_size, width, height, sha256)
      select shop_id, 'output', 'provider', ${output.bucket}, ${output.path}, id, ${output.productId}, ${output.mimeType},
             ${output.byteSize}::bigint, ${output.width}::int, ${output.height}::int, ${output.sha256}
        from moved
    )
    select id from moved`;
  return rows.length > 0;
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

/**
 * The queue gave the job up on its own (its workers died under it too often, or it lost
 * track of it): failed and refunded as a last attempt would be. False when the job had
 * already finished, so calling it again, or for a finished job, changes nothing.
 */
export function failAbandonedJob(db: PrismaClient, shopId: string, jobId: string) {
  return failJob(db, shopId, jobId, {
    code: "abandoned",
    message: "The photo could not be made after repeated worker failures; its credits were refunded.",
  });
}

/** Providers that can stop work in flight (FASHN and the studio cannot). */
export const PROVIDERS_WITH_CANCEL = ["fal", "replicate", "http"] as const;

/**
 * Cancels and refunds jobs that have not started, and jobs in flight at a provider
 * that can stop them (the worker then cancels there: wake the jobs after this).
 */
export async function cancelJobs(db: PrismaClient, shopId: string, jobIds: string[]) {
  const cancelled: string[] = [];
  for (const jobId of jobIds) {
    const ok = await db.$transaction(async (tx) => {
      const moved = await tx.$queryRaw<{ id: string; from: JobStatus }[]>`
        update public.generation_jobs j set status = 'cancelled', completed_at = now()
          from (select id, status from public.generation_jobs where id = ${jobId}::uuid and shop_id = ${shopId}::uuid for update) old
         where j.id = old.id
           and (j.status in ('pending', 'queued')
                or (j.status = 'processing' and j.provider_job_id is not null and j.provider = any(${[...PROVIDERS_WITH_CANCEL]}::text[])))
        returning j.id, old.status as "from"`;
      if (moved.length === 0) return false;
      await tx.jobEvent.create({ data: { jobId, shopId, event: "cancelled", fromStatus: moved[0]!.from, toStatus: "cancelled" } });
      await refundJob(tx, shopId, { jobId, description: "Refund for a cancelled photo" });
      return true;
    });
    if (ok) cancelled.push(jobId);
  }
  return cancelled;
}
