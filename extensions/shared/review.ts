import type { ProductOutputsResponse, ReviewStatus } from "./contract";

type Tone = "info" | "success" | "warning" | "critical" | "neutral";

/** The review page's words for each state, as badges. */
export const REVIEW_BADGES: Record<ReviewStatus, { label: string; tone: Tone }> = {
  new: { label: "New", tone: "info" },
  needs_review: { label: "Needs review", tone: "warning" },
  approved: { label: "Approved", tone: "success" },
  rejected: { label: "Rejected", tone: "critical" },
  publishing: { label: "Publishing", tone: "info" },
  published: { label: "On product", tone: "success" },
  publish_failed: { label: "Publish failed", tone: "critical" },
};

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** One line for the block's collapsed state: what there is and what wants attention. */
export function outputsSummary(data: ProductOutputsResponse): string {
  const parts: string[] = [];
  if (data.outputs.length > 0) parts.push(`${data.outputs.length === 12 ? "Latest 12" : plural(data.outputs.length, "photo")}`);
  const waiting = data.outputs.filter((o) => o.review_status === "new" || o.review_status === "needs_review").length;
  if (waiting > 0) parts.push(`${waiting} to review`);
  if (data.in_progress > 0) parts.push(`${plural(data.in_progress, "photo")} in progress`);
  return parts.length ? parts.join(" · ") : "No on-model photos yet";
}
