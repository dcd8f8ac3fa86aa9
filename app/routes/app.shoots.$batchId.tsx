import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, InlineStack, Page, ProgressBar, Text } from "@shopify/polaris";
import { EmptyNote } from "~/components/EmptyNote";
import { ReviewGrid } from "~/components/ReviewGrid";
import { ReviewBulkBar } from "~/components/review/ReviewBulkBar";
import { ReviewFilterTabs } from "~/components/review/ReviewFilterTabs";
import { useSelection } from "~/components/review/use-selection";
import prisma from "~/db.server";
import type { ReviewActionResult } from "~/lib/review-photo";
import { productTitles } from "~/lib/product-titles.server";
import { parseFilter, reviewView } from "~/lib/review-view.server";
import { shootAction } from "~/lib/shoot-actions.server";
import { requireShop } from "~/lib/shop-context.server";
import { readPublishSettings } from "~/lib/shop-settings";
import { usePolling, useShootEvents } from "~/lib/use-live-updates";
import { isActive } from "~/services/shoots/queries.server";

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop, graphql } = await requireShop(request);
  const batch = uuid.test(params.batchId ?? "") ? await prisma.generationBatch.findFirst({ where: { id: params.batchId, shopId: shop.id } }) : null;
  if (!batch) throw new Response("Shoot not found", { status: 404 });
  const productIds = await prisma.generationJob.findMany({ where: { batchId: batch.id, shopId: shop.id }, distinct: ["productId"], select: { productId: true } });
  const titles = await productTitles(graphql, shop.id, productIds.map((p) => p.productId));
  const filter = parseFilter(new URL(request.url).searchParams.get("filter"));
  const view = await reviewView(prisma, shop.id, { batchId: batch.id }, titles, filter);
  const settings = readPublishSettings(shop.settings);
  return {
    id: batch.id,
    name: batch.name,
    costCredits: batch.costCredits,
    counts: view.statuses,
    active: isActive(view.statuses),
    retryKey: crypto.randomUUID(),
    total: view.total,
    filter,
    tabs: view.counts,
    photos: view.photos,
    inFlight: view.inFlight,
    onProduct: view.onProduct,
    approved: view.approved,
    passed: view.passed,
    defaults: { position: settings.publishPosition, attachVariants: settings.attachVariants },
  };
};

export const action = async ({ request, params }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  return shootAction(prisma, shop.id, params.batchId, await request.formData());
};

function progressLine(shoot: { active: boolean; total: number; counts: Record<string, number> }, done: number): string {
  if (shoot.active) return `${done} of ${shoot.total} done`;
  const { completed = 0, failed = 0, cancelled = 0 } = shoot.counts;
  return `Finished: ${completed} ready${failed ? `, ${failed} failed and refunded` : ""}${cancelled ? `, ${cancelled} cancelled and refunded` : ""}`;
}

export default function Shoot() {
  const shoot = useLoaderData<typeof loader>();
  const result = useActionData<ReviewActionResult>();
  const navigation = useNavigation();
  const { selected, onSelect, onSelection } = useSelection();
  useShootEvents(shoot.id, shoot.active);
  usePolling(shoot.inFlight);
  const done = (shoot.counts.completed ?? 0) + (shoot.counts.failed ?? 0) + (shoot.counts.cancelled ?? 0);
  const failed = shoot.counts.failed ?? 0;
  return (
    <Page title={shoot.name ?? "Shoot"} subtitle={`${shoot.total} photos · ${shoot.costCredits} credits`} backAction={{ url: "/app/shoots" }}>
      <BlockStack gap="400">
        <Card>
          <BlockStack gap="200">
            <Text as="p" id="shoot-progress">
              {progressLine(shoot, done)}
            </Text>
            <ProgressBar progress={shoot.total ? Math.round((done / shoot.total) * 100) : 100} animated={shoot.active} />
            {result && !result.ok && <Banner tone="critical">{result.error}</Banner>}
            {result?.ok && navigation.state === "idle" && <Banner tone="success">{result.message}</Banner>}
            <InlineStack gap="200">
              {shoot.active && (
                <Form method="post">
                  <input type="hidden" name="intent" value="cancel" />
                  <Button submit disabled={navigation.state !== "idle"}>
                    Cancel remaining photos
                  </Button>
                </Form>
              )}
              {!shoot.active && failed > 0 && (
                <Form method="post">
                  <input type="hidden" name="intent" value="retry-failed" />
                  <input type="hidden" name="clientKey" value={shoot.retryKey} />
                  <Button submit loading={navigation.state === "submitting"}>
                    {`Retry ${failed} failed photo${failed === 1 ? "" : "s"}`}
                  </Button>
                </Form>
              )}
            </InlineStack>
          </BlockStack>
        </Card>
        <ReviewBulkBar
          selectable={shoot.photos.filter((p) => p.reviewStatus !== null).map((p) => p.id)}
          selected={selected}
          onSelection={onSelection}
          approved={shoot.approved}
          passed={shoot.passed}
          onProduct={shoot.onProduct}
          defaults={shoot.defaults}
          canRollback
        />
        <Card padding="0">
          <ReviewFilterTabs filter={shoot.filter} counts={shoot.tabs} />
        </Card>
        {shoot.photos.length === 0 ? (
          <Card>
            <EmptyNote heading="No photos here">Photos of this shoot that match this tab appear here.</EmptyNote>
          </Card>
        ) : (
          <ReviewGrid photos={shoot.photos} selected={selected} onSelect={onSelect} />
        )}
      </BlockStack>
    </Page>
  );
}
