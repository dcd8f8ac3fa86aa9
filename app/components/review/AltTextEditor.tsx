import { useFetcher } from "@remix-run/react";
import { BlockStack, Button, InlineStack, TextField } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { MAX_EDITABLE_ALT_TEXT } from "~/lib/alt-text";
import type { ReviewActionResult, ReviewPhoto } from "~/lib/review-photo";
import { useActionToast } from "./use-action-toast";

/** The photo's alt text, saved for when it is published. */
export function AltTextEditor({ photo }: { photo: ReviewPhoto }) {
  const fetcher = useFetcher<ReviewActionResult>();
  useActionToast(fetcher.data, fetcher.state);
  const [text, setText] = useState(photo.altText);
  // A save (or another tab) changed it: show what is stored now.
  useEffect(() => setText(photo.altText), [photo.altText]);
  const locked = photo.reviewStatus === "published" || photo.reviewStatus === "publishing";
  const error = fetcher.state === "idle" && fetcher.data && !fetcher.data.ok ? (fetcher.data.field?.message ?? fetcher.data.error) : undefined;
  return (
    <BlockStack gap="100">
      <TextField
        label="Alt text"
        value={text}
        onChange={setText}
        multiline={2}
        maxLength={MAX_EDITABLE_ALT_TEXT}
        autoComplete="off"
        disabled={locked}
        error={error}
        placeholder="Written from the product title when published"
        helpText={locked ? "Unpublish the photo to change its alt text." : "Describes the photo for shoppers using screen readers."}
      />
      {!locked && (
        <InlineStack align="end">
          <Button
            size="slim"
            disabled={text === photo.altText}
            loading={fetcher.state !== "idle"}
            onClick={() => fetcher.submit({ intent: "alt", jobId: photo.id, alt: text }, { method: "post" })}
          >
            Save alt text
          </Button>
        </InlineStack>
      )}
    </BlockStack>
  );
}
