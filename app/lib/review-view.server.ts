import type { PrismaClient } from "@prisma/client";
import { proposeAltText } from "~/lib/alt-text";
import { isInFlight, isOnProduct, isPublishable, passedCheck, type ReviewPhoto } from "~/lib/review-photo";
import { REVIEW_FILTERS, matchesFilter, reviewItems, type ReviewFilter, type ReviewScope } from "~/services/review/review.server";
import { signedUrlOrNull as signed } from "~/lib/signed-url.server";
import type { ProductLabel } from "~/lib/product-titles.server";

const DEFAULT_REASON = "The garment may not match the product photo.";

type Item = Awaited<ReturnType<typeof reviewItems>>[number];

async function toPhoto(item: Item, titles: Map<string, ProductLabel>): Promise<ReviewPhoto> {
  const label = item.productId ? (titles.get(item.productId) ?? null) : null;
  const title = label?.title ?? null;
  const flaggedNow = item.needsReview && !item.regeneratedAs;
  const outputUrl = item.output ? await signed("outputs", item.output.path) : null;
  const sourceUrl = item.input ? await signed(item.input.bucket as "uploads", item.input.path) : null;
  const proposal = title ? proposeAltText({ title, colour: label?.colour, modelPreset: item.modelPreset, posePreset: item.posePreset, scenePreset: item.scenePreset }) : "";
  return {
    id: item.id,
    productId: item.productId,
    productTitle: title,
    variation: item.variation,
    status: item.status,
    error: item.errorMessage,
    reviewStatus: item.reviewStatus,
    flagged: item.needsReview,
    reviewReason: flaggedNow ? (item.reviewReason ?? DEFAULT_REASON) : null,
    regenerated: Boolean(item.regeneratedAs),
    regenerateCost: flaggedNow ? 0 : item.costCredits,
    publishError: item.reviewStatus === "publish_failed" ? (item.publication?.errorMessage ?? "Shopify did not accept the photo.") : null,
    unpublishing: Boolean(item.publication?.unpublishRequestedAt),
    altText: item.altText ?? proposal,
    output: item.output && outputUrl ? { url: outputUrl, width: item.output.width, height: item.output.height } : null,
    source: sourceUrl ? { url: sourceUrl } : null,
  };
}

/** What the review rules look at, without the work of signing image URLs. */
export function photoState(item: Item) {
  return { reviewStatus: item.reviewStatus, unpublishing: Boolean(item.publication?.unpublishRequestedAt), flagged: item.needsReview };
}

export interface ReviewView {
  /** The photos the tab shows, with signed image URLs. */
  photos: ReviewPhoto[];
  total: number;
  /** Photos by job status (queued, completed, failed…), for the shoot's progress. */
  statuses: Record<string, number>;
  counts: Record<ReviewFilter, number>;
  /** Something is publishing or coming off: the page checks again every few seconds. */
  inFlight: boolean;
  onProduct: number;
  approved: number;
  passed: number;
}

/** A shop's photos in a shoot or of a product, ready for the review grid. */
export async function reviewView(db: PrismaClient, shopId: string, scope: ReviewScope, titles: Map<string, ProductLabel>, filter: ReviewFilter = "all"): Promise<ReviewView> {
  const items = await reviewItems(db, shopId, scope);
  const states = items.map(photoState);
  const statuses: Record<string, number> = {};
  for (const item of items) statuses[item.status] = (statuses[item.status] ?? 0) + 1;
  const counts = Object.fromEntries(REVIEW_FILTERS.map((f) => [f, f === "all" ? items.length : states.filter((p) => matchesFilter(p.reviewStatus, f)).length]));
  // "All" keeps unfinished photos visible with their progress.
  const shown = items.filter((_, i) => filter === "all" || matchesFilter(states[i]!.reviewStatus, filter));
  return {
    photos: await Promise.all(shown.map((item) => toPhoto(item, titles))),
    total: items.length,
    statuses,
    counts: counts as Record<ReviewFilter, number>,
    inFlight: states.some(isInFlight),
    onProduct: states.filter(isOnProduct).length,
    approved: states.filter(isPublishable).length,
    passed: states.filter(passedCheck).length,
  };
}

/** A ?filter= value, or "all" for anything else. */
export function parseFilter(value: string | null): ReviewFilter {
  return (REVIEW_FILTERS as readonly string[]).includes(value ?? "") ? (value as ReviewFilter) : "all";
}
