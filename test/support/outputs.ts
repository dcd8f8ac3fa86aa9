import { randomUUID } from "node:crypto";
import sharp from "sharp";
import { grantPurchase, reserveJobs } from "~/services/credits/operations.server";
import type { PrismaHandle } from "~/services/prisma.server";
import type { Storage } from "~/services/storage/storage.server";

/** A distinct on-model photo: a portrait JPEG in the given colour. */
export async function outputImage(colour = "#335577", width = 600, height = 800): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg({ quality: 90 })
    .toBuffer();
}

/**
 * A finished photo as the generate worker leaves it: a shoot, its completed job with
 * the product's source photo as input, and the output file and asset.
 */
export async function finishedPhoto(
  h: PrismaHandle,
  storage: Storage,
  p: {
    shopId: string;
    productId: string;
    batchId?: string;
    sourceMediaId?: string | null;
    reviewState?: "new" | "approved" | "rejected";
    needsReview?: boolean;
    bytes?: Buffer;
    variation?: number;
  }
) {
  const batchId =
    p.batchId ??
    (
      await h.prisma.generationBatch.create({
        data: {
          shopId: p.shopId,
          name: "Test shoot",
          jobCount: 1,
          costCredits: 1,
        },
      })
    ).id;
  const input = await h.prisma.asset.create({
    data: {
      shopId: p.shopId,
      kind: "upload",
      source: "shopify",
      bucket: "uploads",
      path: `${p.shopId}/${randomUUID()}.jpg`,
      productId: p.productId,
      mediaId: p.sourceMediaId ?? null,
      mimeType: "image/jpeg",
      byteSize: 1n,
    },
  });
  const jobId = randomUUID();
  // Every job is paid for: the ledger's checks want its spend in the same transaction.
  await grantPurchase(h.prisma, p.shopId, {
    credits: 1,
    key: `fixture-${jobId}`,
  });
  await h.prisma.$transaction(async (tx) => {
    await reserveJobs(tx, p.shopId, [{ jobId, cost: 1 }]);
    await tx.generationJob.create({
      data: {
        id: jobId,
        shopId: p.shopId,
        batchId,
        productId: p.productId,
        inputAssetId: input.id,
        status: "completed",
        modelPreset: "fashion_model_v1",
        posePreset: "walking",
        scenePreset: "street",
        generationType: "standard",
        variation: p.variation ?? 1,
        costCredits: 1,
        needsReview: p.needsReview ?? false,
        reviewState: p.reviewState ?? "approved",
        completedAt: new Date(),
      },
    });
  });
  const bytes = p.bytes ?? (await outputImage());
  const path = `${p.shopId}/${jobId}/v${p.variation ?? 1}.jpg`;
  await storage.put("outputs", path, bytes, {
    contentType: "image/jpeg",
    upsert: true,
  });
  const output = await h.prisma.asset.create({
    data: {
      shopId: p.shopId,
      kind: "output",
      source: "studio",
      bucket: "outputs",
      path,
      productId: p.productId,
      jobId,
      mimeType: "image/jpeg",
      byteSize: BigInt(bytes.length),
      width: 600,
      height: 800,
    },
  });
  return { jobId, batchId, output, bytes };
}
