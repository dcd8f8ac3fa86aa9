import type { Db } from "../prisma.server";
import { reviewStatus, type ReviewStatus } from "../review/review.server";

export const MAX_PRODUCT_OUTPUTS = 12;

export interface ProductOutput {
  jobId: string;
  batchId: string | null;
  reviewStatus: ReviewStatus | null;
  output: { bucket: string; path: string; width: number | null; height: number | null };
  completedAt: Date | null;
}

/**
 * A product's newest finished photos in this shop with where each stands in review,
 * and how many more are still being made. Unlike reviewItems it reads only the newest
 * few, so a product shot many times stays one small query.
 */
export async function productOutputs(db: Db, shopId: string, productId: string, limit = MAX_PRODUCT_OUTPUTS) {
  const [jobs, inProgress] = await Promise.all([
    db.generationJob.findMany({
      where: { shopId, productId, status: "completed", outputs: { some: { kind: "output", shopId } } },
      orderBy: [{ completedAt: { sort: "desc", nulls: "last" } }, { createdAt: "desc" }],
      take: limit,
      include: {
        outputs: { where: { kind: "output", shopId }, orderBy: { createdAt: "desc" }, take: 1, select: { bucket: true, path: true, width: true, height: true } },
        publications: {
          where: { shopId, status: { not: "unpublished" } },
          orderBy: { createdAt: "desc" },
          take: 1,
          select: { status: true, unpublishRequestedAt: true },
        },
      },
    }),
    db.generationJob.count({ where: { shopId, productId, status: { in: ["pending", "queued", "processing"] } } }),
  ]);
  const outputs: ProductOutput[] = jobs.map((j) => ({
    jobId: j.id,
    batchId: j.batchId,
    reviewStatus: reviewStatus(j, j.publications[0] ?? null),
    output: j.outputs[0]!,
    completedAt: j.completedAt,
  }));
  return { outputs, inProgress };
}
