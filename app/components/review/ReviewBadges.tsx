import { Badge, InlineStack, Text } from "@shopify/polaris";
import type { ReviewPhoto } from "~/lib/review-photo";

type Tone = "info" | "success" | "warning" | "critical" | "attention" | "new" | undefined;

const REVIEW: Record<NonNullable<ReviewPhoto["reviewStatus"]>, { label: string; tone: Tone }> = {
  new: { label: "New", tone: "info" },
  needs_review: { label: "Needs review", tone: "warning" },
  approved: { label: "Approved", tone: "success" },
  rejected: { label: "Rejected", tone: undefined },
  publishing: { label: "Publishing", tone: "attention" },
  published: { label: "Published", tone: "success" },
  publish_failed: { label: "Publish failed", tone: "critical" },
};

// Photos still being made keep the status words the shoot page always showed.
const JOB: Record<string, Tone> = { failed: "critical", processing: "attention", cancelled: undefined };

/** Where a photo stands, with the reason when it needs the merchant's eye. */
export function ReviewBadges({ photo }: { photo: ReviewPhoto }) {
  const review = photo.reviewStatus ? REVIEW[photo.reviewStatus] : null;
  return (
    <>
      <InlineStack gap="100">
        {review ? (
          <Badge tone={review.tone}>{review.label}</Badge>
        ) : (
          <Badge tone={JOB[photo.status]}>{photo.status}</Badge>
        )}
        {photo.unpublishing && <Badge tone="attention">Coming off the product</Badge>}
        {photo.regenerated && <Badge>Regenerated</Badge>}
      </InlineStack>
      {photo.reviewReason && (
        <Text as="p" variant="bodySm" tone="caution">
          {photo.reviewReason}
        </Text>
      )}
      {photo.publishError && (
        <Text as="p" variant="bodySm" tone="critical">
          {photo.publishError}
        </Text>
      )}
      {photo.error && (
        <Text as="p" variant="bodySm" tone="critical">
          {photo.error}
        </Text>
      )}
    </>
  );
}
