import { randomInt, randomUUID } from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import { refundJob, reserveJobs } from "../credits/operations.server";

export class RegenerateError extends Error {
  readonly code = "cannot_regenerate";
}

/**
 * A photo the fidelity gate flagged (the garment came out wrong) is shot again free:
 * in one transaction its credits are refunded, a new job with the same product and
 * settings (a new seed) is charged the same, and the old job points at it. Net cost
 * zero; at most once per photo (the refund's key is the job's).
 */
export async function regenerateFree(db: PrismaClient, shopId: string, jobId: string): Promise<{ jobId: string }> {
  return db.$transaction(async (tx) => {
    const [old] = await tx.$queryRaw<
      { id: string; batch_id: string | null; product_id: string | null; input_asset_id: string | null; prompt: string | null;
        model_preset: string; pose_preset: string; scene_preset: string; generation_type: string; aspect_ratio: string | null;
        variation: number; cost_credits: number; needs_review: boolean; regenerated_as: string | null; status: string }[]
    >`select id, batch_id, product_id, input_asset_id, prompt, model_preset, pose_preset, scene_preset, generation_type,
             aspect_ratio, variation, cost_credits, needs_review, regenerated_as, status
        from public.generation_jobs where id = ${jobId}::uuid and shop_id = ${shopId}::uuid for update`;
    if (!old) throw new RegenerateError("Photo not found.");
    if (old.status !== "completed" || !old.needs_review) throw new RegenerateError("Only photos marked for review can be regenerated free.");
    if (old.regenerated_as) throw new RegenerateError("This photo was already regenerated.");
    await refundJob(tx, shopId, { jobId, description: "Refund: garment changed; regenerated free" });
    const id = randomUUID();
    await reserveJobs(tx, shopId, [{ jobId: id, cost: old.cost_credits }], {
      reference: old.batch_id ? `batch:${old.batch_id}` : undefined,
      description: "Free regeneration",
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
    await tx.jobEvent.create({ data: { jobId: id, shopId, event: "created", toStatus: "pending", detail: { regenerates: jobId } } });
    await tx.generationJob.update({ where: { id: jobId }, data: { regeneratedAs: id } });
    if (old.batch_id) await tx.generationBatch.update({ where: { id: old.batch_id }, data: { jobCount: { increment: 1 } } });
    return { jobId: id };
  });
}
