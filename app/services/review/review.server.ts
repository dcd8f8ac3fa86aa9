import { z } from "zod";
import { MAX_EDITABLE_ALT_TEXT } from "../../lib/alt-text";
import type { Db } from "../prisma.server";

export const REVIEW_FILTERS = ["all", "new", "needs_review", "approved", "rejected", "published"] as const;
export type ReviewFilter = (typeof REVIEW_FILTERS)[number];

/** Where a photo stands for the merchant, most decisive first. */
export type ReviewStatus = "new" | "needs_review" | "approved" | "rejected" | "publishing" | "published" | "publish_failed";

export class ReviewError extends Error {
  readonly code = "cannot_review";
}

export const altTextInput = z
  .string()
  .trim()
  .min(1, "Alt text can't be empty")
  .max(MAX_EDITABLE_ALT_TEXT, `Keep alt text under ${MAX_EDITABLE_ALT_TEXT} characters`);

export interface ReviewScope {
  batchId?: string;
  productId?: string;
}

/** A shop's photos in a shoot or of a product, with what the review page needs. */
export async function reviewItems(db: Db, shopId: string, scope: ReviewScope) {
  if (!scope.batchId && !scope.productId) throw new ReviewError("A shoot or a product is required.");
  const jobs = await db.generationJob.findMany({
    where: { shopId, ...(scope.batchId ? { batchId: scope.batchId } : {}), ...(scope.productId ? { productId: scope.productId } : {}) },
    orderBy: [{ productId: "asc" }, { variation: "asc" }, { createdAt: "asc" }],
    include: {
      outputs: { where: { kind: "output", shopId }, orderBy: { createdAt: "desc" }, take: 1, select: { id: true, bucket: true, path: true, width: true, height: true } },
      inputAsset: { select: { bucket: true, path: true, shopId: true } },
      publications: {
        where: { shopId, status: { not: "unpublished" } },
        orderBy: { createdAt: "desc" },
        take: 1,
        select: { id: true, status: true, position: true, errorMessage: true, mediaId: true, unpublishRequestedAt: true },
      },
    },
  });
  return jobs.map((j) => {
    const publication = j.publications[0] ?? null;
    return {
      ...j,
      output: j.outputs[0] ?? null,
      input: j.inputAsset && j.inputAsset.shopId === shopId ? j.inputAsset : null,
      publication,
      reviewStatus: reviewStatus(j, publication),
    };
  });
}

export function reviewStatus(
  job: { status: string; reviewState: string; needsReview: boolean; regeneratedAs: string | null },
  publication: { status: string; unpublishRequestedAt: Date | null } | null,
): ReviewStatus | null {
  if (job.status !== "completed") return null;
  if (publication && !publication.unpublishRequestedAt) {
    if (publication.status === "ready") return "published";
    if (publication.status === "failed") return "publish_failed";
    return "publishing";
  }
  if (job.reviewState === "approved") return "approved";
  if (job.reviewState === "rejected") return "rejected";
  return job.needsReview && !job.regeneratedAs ? "needs_review" : "new";
}

export function matchesFilter(status: ReviewStatus | null, filter: ReviewFilter): boolean {
  if (filter === "all") return status !== null;
  if (filter === "published") return status === "published" || status === "publishing" || status === "publish_failed";
  return status === filter;
}

/**
 * Approves or rejects finished photos. A photo on a product must be taken back
 * before it can be rejected. Returns how many changed.
 */
export async function setReviewState(db: Db, shopId: string, jobIds: string[], state: "approved" | "rejected" | "new"): Promise<number> {
  if (jobIds.length === 0) return 0;
  const result = await db.generationJob.updateMany({
    where: {
      shopId,
      id: { in: jobIds },
      status: "completed",
      ...(state === "approved" ? {} : { publications: { none: { shopId, status: { not: "unpublished" }, unpublishRequestedAt: null } } }),
    },
    data: { reviewState: state, reviewedAt: new Date() },
  });
  return result.count;
}

export async function setAltText(db: Db, shopId: string, jobId: string, text: unknown): Promise<string> {
  const alt = altTextInput.safeParse(text);
  if (!alt.success) throw new ReviewError(alt.error.issues[0]?.message ?? "Invalid alt text");
  const result = await db.generationJob.updateMany({ where: { id: jobId, shopId, status: "completed" }, data: { altText: alt.data } });
  if (result.count === 0) throw new ReviewError("Photo not found.");
  return alt.data;
}
