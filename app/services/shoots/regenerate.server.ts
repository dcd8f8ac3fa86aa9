import { randomInt, randomUUID } from "node:crypto";
import type { Prisma, PrismaClient } from "@prisma/client";
import { refundJob, reserveJobs } from "../credits/operations.server";
import { assertNothingOwed } from "../billing/fulfil.server";
import { assertWithinRateLimit } from "./rate-limit.server";

export class RegenerateError extends Error {
  readonly code = "cannot_regenerate";
}

type Tx = Prisma.TransactionClient;

interface OldJob {
  id: string;
  batch_id: string | null;
  product_id: string | null;
  input_asset_id: string | null;
  prompt: string | null;
  model_preset: string;
  pose_preset: string;
  scene_preset: string;
  generation_type: string;
  aspect_ratio: string | null;
  variation: number;
  cost_credits: number;
  needs_review: boolean;
  regenerated_as: string | null;
  status: string;
}

async function lockJob(tx: Tx, shopId: string, jobId: string): Promise<OldJob> {
  const [old] = await tx.$queryRaw<OldJob[]>`
    select id, batch_id, product_id, input_asset_id, prompt, model_preset, pose_preset, scene_preset, generation_type,
           aspect_ratio, variation, cost_credits, needs_review, regenerated_as, status
      from public.generation_jobs where id = ${jobId}::uuid and shop_id = ${shopId}::uuid for update`;
  if (!old) throw new RegenerateError("Photo not found.");
  if (old.status !== "completed") throw new RegenerateError("Only finished photos can be regenerated.");
  return old;
}

/** What a job is shot from: enough to shoot the same product with the same settings again. */
export type ShotSettings = Pick<
  OldJob,
  | "id"
  | "batch_id"
  | "product_id"
  | "input_asset_id"
  | "prompt"
  | "model_preset"
  | "pose_preset"
  | "scene_preset"
  | "generation_type"
  | "aspect_ratio"
  | "variation"
  | "cost_credits"
>;

/**
 * The same product and settings with a new seed, charged its cost; the old job points
 * at it. `id` fixes the new job's id (and so its charge's ledger key) when a caller
 * needs the shot to be at most once; `detail` goes on the new job's "created" event.
 */
export async function shootAgain(
  tx: Tx,
  shopId: string,
  old: ShotSettings,
  p: { description: string; id?: string; detail?: Record<string, string> },
): Promise<string> {
  const id = p.id ?? randomUUID();
  await reserveJobs(tx, shopId, [{ jobId: id, cost: old.cost_credits }], {
    reference: old.batch_id ? `batch:${old.batch_id}` : undefined,
    description: p.description,
  });
  await tx.generationJob.create({
    data: {
      id,
      shopId,
      batchId: old.batch_id,
      productId: old.product_id,
      inputAssetId: old.input_asset_id,
      status: "pending",
      prompt: old.prompt,
      modelPreset: old.model_preset,
      posePreset: old.pose_preset,
      scenePreset: old.scene_preset,
      generationType: old.generation_type,
      aspectRatio: old.aspect_ratio,
      variation: old.variation,
      seed: randomInt(0, 2 ** 31 - 1),
      costCredits: old.cost_credits,
    },
  });
  await tx.jobEvent.create({ data: { jobId: id, shopId, event: "created", toStatus: "pending", detail: p.detail ?? { regenerates: old.id } } });
  await tx.generationJob.update({ where: { id: old.id }, data: { regeneratedAs: id } });
  if (old.batch_id) await tx.generationBatch.update({ where: { id: old.batch_id }, data: { jobCount: { increment: 1 } } });
  return id;
}

/**
 * A photo the fidelity gate flagged (the garment came out wrong) is shot again free:
 * in one transaction its credits are refunded, a new job with the same product and
 * settings (a new seed) is charged the same, and the old job points at it. Net cost
 * zero; at most once per photo (the refund's key is the job's).
 */
export async function regenerateFree(db: PrismaClient, shopId: string, jobId: string): Promise<{ jobId: string }> {
  return db.$transaction(async (tx) => {
    const old = await lockJob(tx, shopId, jobId);
    if (!old.needs_review) throw new RegenerateError("Only photos marked for review can be regenerated free.");
    if (old.regenerated_as) throw new RegenerateError("This photo was already regenerated.");
    await refundJob(tx, shopId, { jobId, description: "Refund: garment changed; regenerated free" });
    return { jobId: await shootAgain(tx, shopId, old, { description: "Free regeneration" }) };
  });
}

/**
 * Any other finished photo is shot again like a new job: charged its cost, within the
 * hourly limit, and refused with the balance untouched when credits run short.
 */
export async function regeneratePaid(db: PrismaClient, shopId: string, jobId: string): Promise<{ jobId: string; costCredits: number }> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`select pg_advisory_xact_lock(hashtextextended(${`shoot:${shopId}`}, 0))`;
    const old = await lockJob(tx, shopId, jobId);
    const shop = await tx.shop.findUniqueOrThrow({ where: { id: shopId }, select: { id: true, plan: true, settings: true } });
    await assertNothingOwed(tx, shopId);
    await assertWithinRateLimit(tx, shop, 1);
    return { jobId: await shootAgain(tx, shopId, old, { description: "Regeneration" }), costCredits: old.cost_credits };
  });
}

/** Free when the gate flagged the photo and it was not regenerated yet; otherwise paid. */
export async function regenerate(db: PrismaClient, shopId: string, jobId: string) {
  const job = await db.generationJob.findFirst({ where: { id: jobId, shopId }, select: { needsReview: true, regeneratedAs: true } });
  if (!job) throw new RegenerateError("Photo not found.");
  if (job.needsReview && !job.regeneratedAs) return { ...(await regenerateFree(db, shopId, jobId)), costCredits: 0 };
  return regeneratePaid(db, shopId, jobId);
}
