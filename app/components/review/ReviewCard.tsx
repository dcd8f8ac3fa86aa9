import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Box, Button, Card, Checkbox, InlineStack, Text, Thumbnail } from "@shopify/polaris";
import { ImageIcon } from "@shopify/polaris-icons";
import { credits, isOnProduct, type ReviewActionResult, type ReviewPhoto } from "~/lib/review-photo";
import { AltTextEditor } from "./AltTextEditor";
import { BeforeAfter, photoName } from "./BeforeAfter";
import { ReviewBadges } from "./ReviewBadges";
import { useActionToast } from "./use-action-toast";

export interface ReviewCardProps {
  photo: ReviewPhoto;
  selected: boolean;
  onSelect: (id: string, selected: boolean) => void;
  onZoom: (photo: ReviewPhoto) => void;
}

/** One photo of a shoot: before and after, where it stands, and what can be done with it. */
export function ReviewCard({ photo, selected, onSelect, onZoom }: ReviewCardProps) {
  const fetcher = useFetcher<ReviewActionResult>();
  useActionToast(fetcher.data, fetcher.state);
  const busy = fetcher.state !== "idle";
  const submit = (intent: string, extra: Record<string, string> = {}) => fetcher.submit({ intent, ...extra }, { method: "post" });
  const finished = photo.reviewStatus !== null;
  const onProduct = isOnProduct(photo);
  const error = fetcher.state === "idle" && fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  return (
    // Which photo and where it stands, for tests and support.
    <div className="review-card" data-photo={photo.id} data-status={photo.reviewStatus ?? photo.status}>
      <Card padding="300">
        <BlockStack gap="200">
          <InlineStack align="space-between" blockAlign="center" wrap={false} gap="200">
            <Text as="h3" variant="headingSm" truncate>
              {photoName(photo)}
            </Text>
            {finished && <Checkbox label={`Select ${photoName(photo)}`} labelHidden checked={selected} onChange={(checked) => onSelect(photo.id, checked)} />}
          </InlineStack>
          {finished || photo.output ? (
            <BeforeAfter photo={photo} onZoom={() => onZoom(photo)} />
          ) : (
            <Box padding="400">
              <Thumbnail source={ImageIcon} alt="" size="large" />
            </Box>
          )}
          <ReviewBadges photo={photo} />
          {error && (
            <Banner tone="critical">
              <p>{error}</p>
            </Banner>
          )}
          {finished && (
            <InlineStack gap="200">
              {!onProduct && photo.reviewStatus !== "approved" && (
                <Button size="slim" variant="primary" disabled={busy} onClick={() => submit("approve", { ids: photo.id })}>
                  Approve
                </Button>
              )}
              {!onProduct && photo.reviewStatus !== "rejected" && (
                <Button size="slim" disabled={busy} onClick={() => submit("reject", { ids: photo.id })}>
                  Reject
                </Button>
              )}
              {onProduct && !photo.unpublishing && (
                <Button size="slim" disabled={busy} onClick={() => submit("unpublish", { ids: photo.id })}>
                  {photo.reviewStatus === "published" ? "Unpublish" : "Stop publishing"}
                </Button>
              )}
              <Button size="slim" variant="tertiary" disabled={busy} onClick={() => submit("regenerate", { jobId: photo.id })}>
                {photo.regenerateCost === 0 ? "Regenerate free" : `Regenerate (${credits(photo.regenerateCost)})`}
              </Button>
            </InlineStack>
          )}
          {finished && <AltTextEditor photo={photo} />}
        </BlockStack>
      </Card>
    </div>
  );
}
