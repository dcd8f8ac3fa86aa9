import { BlockStack, Box, InlineGrid, Text, Thumbnail } from "@shopify/polaris";
import { ImageIcon } from "@shopify/polaris-icons";
import type { ReviewPhoto } from "~/lib/review-photo";
import { useStableUrl } from "./use-stable-url";

const frame = { width: "100%", aspectRatio: "3 / 4", objectFit: "cover", borderRadius: 8, display: "block", background: "#f1f1f1" } as const;

export function photoName(photo: Pick<ReviewPhoto, "productTitle" | "variation">): string {
  return `${photo.productTitle ?? "Product"}, photo ${photo.variation}`;
}

/** The product photo it was made from beside the result; the result opens the zoom. */
export function BeforeAfter({ photo, onZoom }: { photo: ReviewPhoto; onZoom: () => void }) {
  const source = useStableUrl(photo.source?.url);
  const output = useStableUrl(photo.output?.url);
  return (
    <InlineGrid columns={2} gap="200">
      <BlockStack gap="100">
        {source ? (
          <img src={source} alt={`Product photo used for ${photoName(photo)}`} style={frame} loading="lazy" />
        ) : (
          <Box padding="400">
            <Thumbnail source={ImageIcon} alt="" size="large" />
          </Box>
        )}
        <Text as="span" variant="bodySm" tone="subdued">
          Before
        </Text>
      </BlockStack>
      <BlockStack gap="100">
        {output ? (
          <a
            href={output}
            target="_blank"
            rel="noreferrer"
            className="shoot-output"
            title="Zoom in"
            onClick={(event) => {
              // A plain click zooms in place; a modified click still opens a new tab.
              if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
              event.preventDefault();
              onZoom();
            }}
          >
            <img src={output} alt={`On-model photo: ${photoName(photo)}`} style={frame} />
          </a>
        ) : (
          <Box padding="400">
            <Thumbnail source={ImageIcon} alt="" size="large" />
          </Box>
        )}
        <Text as="span" variant="bodySm" tone="subdued">
          After
        </Text>
      </BlockStack>
    </InlineGrid>
  );
}
