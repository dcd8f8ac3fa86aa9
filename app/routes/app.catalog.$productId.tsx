import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import { useEffect } from "react";
import { EmptyNote } from "~/components/EmptyNote";
import { ReviewGrid } from "~/components/ReviewGrid";
import { ReviewBulkBar } from "~/components/review/ReviewBulkBar";
import { useSelection } from "~/components/review/use-selection";
import { Badge, Banner, BlockStack, Card, DropZone, InlineGrid, Layout, Page, Text, Thumbnail } from "@shopify/polaris";
import { ImageIcon } from "@shopify/polaris-icons";
import prisma from "~/db.server";
import { altColour } from "~/lib/alt-text";
import { fail, reviewAction } from "~/lib/review-actions.server";
import { reviewView } from "~/lib/review-view.server";
import { requireShop } from "~/lib/shop-context.server";
import { signedUrlOrNull } from "~/lib/signed-url.server";
import { readPublishSettings } from "~/lib/shop-settings";
import { isActive } from "~/lib/shoot-status";
import { usePolling } from "~/lib/use-live-updates";
import { PRODUCT_DETAIL, type MediaImageNode } from "~/services/catalog/queries.server";

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  if (!/^\d{1,20}$/.test(params.productId ?? "")) throw new Response("Product not found", { status: 404 });
  const { shop, graphql } = await requireShop(request);
  const productId = `gid://shopify/Product/${params.productId}`;
  const data = await graphql.request<{
    product: { id: string; title: string; status: string; productType: string; vendor: string; options?: { name: string; values: string[] }[]; media: { nodes: (MediaImageNode & { alt?: string | null })[] } } | null;
  }>(PRODUCT_DETAIL, { id: productId });
  if (!data.product) throw new Response("Product not found", { status: 404 });
  const assets = await prisma.asset.findMany({
    where: { shopId: shop.id, productId, kind: "upload" },
    orderBy: { createdAt: "desc" },
  });
  const withUrls = await Promise.all(
    assets.map(async (a) => ({
      id: a.id,
      kind: a.kind,
      source: a.source,
      status: a.status,
      version: a.version,
      width: a.width,
      height: a.height,
      mediaId: a.mediaId,
      url: await signedUrlOrNull(a.bucket as "uploads", a.path),
    })),
  );
  const review = await reviewView(prisma, shop.id, { productId }, new Map([[productId, { title: data.product.title, colour: altColour(data.product.options) }]]));
  const settings = readPublishSettings(shop.settings);
  return {
    productNumber: params.productId!,
    product: data.product,
    imported: withUrls,
    review,
    // Regenerated photos being made, or photos publishing: the section keeps itself current.
    live: review.inFlight || isActive(review.statuses),
    defaults: { position: settings.publishPosition, attachVariants: settings.attachVariants },
  };
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  if (!/^\d{1,20}$/.test(params.productId ?? "")) return fail(404, "Product not found");
  return reviewAction(prisma, shop.id, { productId: `gid://shopify/Product/${params.productId}` }, await request.formData());
};

function Gallery({ items, empty }: { items: { id: string; url: string | null; label: string; badge?: string }[]; empty: string }) {
  if (items.length === 0) {
    return (
      <Text as="p" tone="subdued">
        {empty}
      </Text>
    );
  }
  return (
    <InlineGrid columns={{ xs: 2, sm: 3, md: 4 }} gap="300">
      {items.map((item) => (
        <BlockStack key={item.id} gap="100">
          <Thumbnail size="large" source={item.url ?? ImageIcon} alt={item.label} />
          <Text as="span" variant="bodySm" tone="subdued">
            {item.label}
          </Text>
          {item.badge && <Badge>{item.badge}</Badge>}
        </BlockStack>
      ))}
    </InlineGrid>
  );
}

function UploadPhoto({ productNumber }: { productNumber: string }) {
  const upload = useFetcher<{ assetId?: string; error: string | null }>();
  const shopify = useAppBridge();
  useEffect(() => {
    if (upload.state === "idle" && upload.data?.assetId) shopify.toast.show("Photo added");
  }, [upload.state, upload.data, shopify]);
  return (
    <BlockStack gap="200">
      {upload.data?.error && (
        <Banner tone="critical" title="This photo could not be added">
          <p id="upload-error">{upload.data.error}</p>
        </Banner>
      )}
      <DropZone
        accept="image/jpeg,image/png,image/webp,image/gif"
        type="image"
        allowMultiple={false}
        label="Add your own photo"
        onDropAccepted={(files) => {
          const form = new FormData();
          form.append("photo", files[0]!);
          upload.submit(form, { method: "post", action: `/app/catalog/${productNumber}/upload`, encType: "multipart/form-data" });
        }}
      >
        <DropZone.FileUpload actionTitle={upload.state === "idle" ? "Upload a photo" : "Uploading…"} actionHint="JPEG, PNG, WebP or GIF, up to 10 MB" />
      </DropZone>
    </BlockStack>
  );
}

function OnModelPhotos() {
  const { review, live, defaults } = useLoaderData<typeof loader>();
  const { selected, onSelect, onSelection } = useSelection();
  usePolling(live);
  if (review.photos.length === 0) {
    return (
      <Card>
        <EmptyNote heading="No on-model photos yet">Photos generated for this product appear here for review.</EmptyNote>
      </Card>
    );
  }
  return (
    <BlockStack gap="300">
      <Text as="h2" variant="headingMd">
        On-model photos
      </Text>
      <ReviewBulkBar
        selectable={review.photos.filter((p) => p.reviewStatus !== null).map((p) => p.id)}
        selected={selected}
        onSelection={onSelection}
        approved={review.approved}
        passed={review.passed}
        onProduct={review.onProduct}
        defaults={defaults}
      />
      <ReviewGrid photos={review.photos} selected={selected} onSelect={onSelect} />
    </BlockStack>
  );
}

export default function ProductDetail() {
  const { product, imported, productNumber } = useLoaderData<typeof loader>();
  return (
    <Page title={product.title} subtitle={`${product.productType} · ${product.vendor}`} backAction={{ url: "/app/catalog" }}>
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Photos in Shopify
              </Text>
              <Gallery
                items={product.media.nodes.map((m, i) => ({ id: m.id ?? String(i), url: m.image?.url ?? null, label: m.alt ?? `Image ${i + 1}`, badge: m.status === "READY" ? undefined : m.status?.toLowerCase() }))}
                empty="This product has no photos in Shopify."
              />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Imported into Atelier
              </Text>
              <Gallery
                items={imported.map((a) => ({ id: a.id, url: a.url, label: a.source === "merchant" ? `${a.width}×${a.height} · your upload` : `${a.width}×${a.height} · v${a.version}`, badge: a.status === "active" ? undefined : a.status }))}
                empty="Nothing imported yet: select this product in the catalog and choose Import images."
              />
              <UploadPhoto productNumber={productNumber} />
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <OnModelPhotos />
        </Layout.Section>
      </Layout>
    </Page>
  );
}
