import { useFetcher } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, InlineStack, Text } from "@shopify/polaris";

export interface DraftRow {
  id: string;
  productId: string;
  status: string;
  reason: string | null;
  createdAt: string;
}

/** New product photos the catalog watcher turned into draft shoots, for the merchant's say. */
export function WatcherDrafts({ drafts }: { drafts: DraftRow[] }) {
  const fetcher = useFetcher<{ error?: string; message?: string }>();
  if (drafts.length === 0) return null;
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          New product photos
        </Text>
        {fetcher.data?.error && <Banner tone="critical">{fetcher.data.error}</Banner>}
        {fetcher.data?.message && <Banner tone="success">{fetcher.data.message}</Banner>}
        {drafts.map((d) => (
          <InlineStack key={d.id} gap="300" align="space-between" blockAlign="center">
            <BlockStack gap="050">
              <Text as="span">{`Product ${d.productId.split("/").pop()}`}</Text>
              <Text as="span" tone="subdued" variant="bodySm">
                {`${new Date(d.createdAt).toLocaleString()}${d.reason ? ` · ${d.reason}` : ""}`}
              </Text>
            </BlockStack>
            {d.status === "draft" ? (
              <InlineStack gap="200">
                <Button size="slim" variant="primary" onClick={() => fetcher.submit({ intent: "approve-draft", draftId: d.id }, { method: "post" })}>
                  Shoot it
                </Button>
                <Button size="slim" onClick={() => fetcher.submit({ intent: "reject-draft", draftId: d.id }, { method: "post" })}>
                  Skip
                </Button>
              </InlineStack>
            ) : (
              <Badge tone={d.status === "over_budget" || d.status === "failed" ? "critical" : "attention"}>
                {d.status === "approved" ? "Waiting for the photo" : d.status === "over_budget" ? "Over budget" : "Not shot"}
              </Badge>
            )}
          </InlineStack>
        ))}
      </BlockStack>
    </Card>
  );
}
