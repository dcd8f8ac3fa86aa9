import { BlockStack, InlineGrid, Link, Modal, Text } from "@shopify/polaris";
import type { ReviewPhoto } from "~/lib/review-photo";
import { photoName } from "./BeforeAfter";
import { useStableUrl } from "./use-stable-url";

const large = { width: "100%", height: "auto", display: "block", borderRadius: 8 } as const;

/** Both photos large; the result is the full-resolution file. */
export function ZoomModal({ photo, onClose }: { photo: ReviewPhoto | null; onClose: () => void }) {
  const source = useStableUrl(photo?.source?.url);
  const output = useStableUrl(photo?.output?.url);
  return (
    <Modal open={photo !== null} onClose={onClose} title={photo ? photoName(photo) : ""} size="large">
      {photo && (
        <Modal.Section>
          <InlineGrid columns={{ xs: 1, md: 2 }} gap="400">
            <BlockStack gap="200">
              <Text as="h3" variant="headingSm">
                Product photo
              </Text>
              {source ? (
                <img id="zoom-source" src={source} alt={`Product photo used for ${photoName(photo)}`} style={large} />
              ) : (
                <Text as="p" tone="subdued">
                  The product photo is no longer available.
                </Text>
              )}
            </BlockStack>
            <BlockStack gap="200">
              <Text as="h3" variant="headingSm">
                On-model photo
                {photo.output?.width && photo.output.height ? ` · ${photo.output.width}×${photo.output.height}` : ""}
              </Text>
              {output && (
                <>
                  <img id="zoom-output" src={output} alt={`On-model photo: ${photoName(photo)}`} style={large} />
                  <Link url={output} target="_blank">
                    Open full size in a new tab
                  </Link>
                </>
              )}
            </BlockStack>
          </InlineGrid>
        </Modal.Section>
      )}
    </Modal>
  );
}
