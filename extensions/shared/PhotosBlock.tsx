/** @jsxImportSource preact */
/// <reference types="@shopify/ui-extensions/admin.product-details.block.render" />
import { useEffect, useState } from "preact/hooks";
import type { AtelierClient } from "./api";
import type { ErrorResponse, ProductOutputsResponse } from "./contract";
import { asErrorResponse } from "./errors";
import { outputsSummary, REVIEW_BADGES } from "./review";

/** The product page's block: the product's newest on-model photos and where each stands. */
export function PhotosBlock(props: { productId: string; client: AtelierClient }) {
  const [data, setData] = useState<ProductOutputsResponse | null>(null);
  const [error, setError] = useState<ErrorResponse | null>(null);
  useEffect(() => {
    props.client.productOutputs(props.productId).then(setData, (e) => setError(asErrorResponse(e)));
  }, [props.productId]);

  return (
    <s-admin-block heading="On-model photos" collapsedSummary={data ? outputsSummary(data) : undefined}>
      {error ? (
        <s-banner tone="critical">{error.error}</s-banner>
      ) : !data ? (
        <s-spinner accessibilityLabel="Loading on-model photos" />
      ) : (
        <s-stack direction="block" gap="base">
          {data.outputs.length === 0 ? (
            <s-paragraph>No on-model photos of this product yet. Start a shoot from More actions → Create on-model photos.</s-paragraph>
          ) : (
            <s-grid gridTemplateColumns="repeat(4, 1fr)" gap="base">
              {data.outputs.map((o) => {
                const badge = o.review_status ? REVIEW_BADGES[o.review_status] : null;
                return (
                  <s-stack key={o.job_id} direction="block" gap="small-200">
                    {o.thumbnail_url ? (
                      <s-image src={o.thumbnail_url} alt="On-model photo" aspectRatio="3/4" objectFit="cover" />
                    ) : (
                      <s-text color="subdued">Photo unavailable</s-text>
                    )}
                    {badge && <s-badge tone={badge.tone}>{badge.label}</s-badge>}
                  </s-stack>
                );
              })}
            </s-grid>
          )}
          {data.in_progress > 0 && <s-text color="subdued">{`${data.in_progress} more being made.`}</s-text>}
          <s-link href={data.review_url}>Review in Atelier</s-link>
        </s-stack>
      )}
    </s-admin-block>
  );
}
