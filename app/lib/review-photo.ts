import type { ReviewFilter, ReviewStatus } from "~/services/review/review.server";

// What the review pages send to the browser about one photo, and what their actions
// answer. Shared by the loaders (server) and the review grid (browser).

export interface ReviewPhoto {
  id: string;
  productId: string | null;
  productTitle: string | null;
  variation: number;
  /** The job's status: queued, processing, completed, failed… */
  status: string;
  error: string | null;
  reviewStatus: ReviewStatus | null;
  /** The garment check flagged it (even if it was regenerated since). */
  flagged: boolean;
  /** Why the garment check flagged it, while it still needs review. */
  reviewReason: string | null;
  regenerated: boolean;
  /** Free when flagged and not regenerated yet; otherwise the job's cost. */
  regenerateCost: number;
  publishError: string | null;
  /** Asked to come off its product; the worker has not finished yet. */
  unpublishing: boolean;
  /** The saved alt text, else a proposal written from the product title. */
  altText: string;
  output: { url: string; width: number | null; height: number | null } | null;
  source: { url: string } | null;
}

export interface PublishDefaults {
  position: "append" | "featured";
  attachVariants: boolean;
}

export type ReviewActionResult = { ok: true; message: string } | { ok: false; error: string; field?: { jobId: string; message: string } };

export const FILTER_LABELS: Record<ReviewFilter, string> = {
  all: "All",
  new: "New",
  needs_review: "Needs review",
  approved: "Approved",
  rejected: "Rejected",
  published: "Published",
};

/** Photos whose state the page should keep checking on (publishing, or coming off). */
export function isInFlight(photo: Pick<ReviewPhoto, "reviewStatus" | "unpublishing">): boolean {
  return photo.reviewStatus === "publishing" || photo.unpublishing;
}

/** On a product (or on its way, or failed getting there): what a rollback would undo. */
export function isOnProduct(photo: Pick<ReviewPhoto, "reviewStatus">): boolean {
  return photo.reviewStatus === "published" || photo.reviewStatus === "publishing" || photo.reviewStatus === "publish_failed";
}

/**
 * What "Publish approved" sends: approved photos, and failed attempts to retry. One on
 * its way off a product (a rollback) is left alone until it is off.
 */
export function isPublishable(photo: Pick<ReviewPhoto, "reviewStatus" | "unpublishing">): boolean {
  return (photo.reviewStatus === "approved" && !photo.unpublishing) || photo.reviewStatus === "publish_failed";
}

/** A finished photo the merchant decided nothing about and the garment check passed. */
export function passedCheck(photo: Pick<ReviewPhoto, "reviewStatus" | "flagged">): boolean {
  return photo.reviewStatus === "new" && !photo.flagged;
}

export function credits(n: number): string {
  return `${n} credit${n === 1 ? "" : "s"}`;
}

export function photos(n: number): string {
  return `${n} photo${n === 1 ? "" : "s"}`;
}
