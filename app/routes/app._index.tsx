import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Box, Button, Card, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import prisma from "~/db.server";
import { requireShop } from "~/lib/shop-context.server";
import { getBalance } from "~/services/credits/queries.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const [balance, jobs] = await Promise.all([
    getBalance(prisma, shop.id),
    prisma.generationJob.groupBy({ by: ["status"], where: { shopId: shop.id }, _count: true }),
  ]);
  return {
    shopName: shop.name ?? shop.domain,
    balance,
    jobs: Object.fromEntries(jobs.map((j) => [j.status, j._count])) as Record<string, number>,
  };
};

export default function Home() {
  const { shopName, balance, jobs } = useLoaderData<typeof loader>();
  const inFlight = (jobs.pending ?? 0) + (jobs.queued ?? 0) + (jobs.processing ?? 0);
  return (
    <Page title="Atelier">
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="300">
              <Text as="h2" variant="headingMd">
                Welcome, {shopName}
              </Text>
              <Text as="p">
                Turn your flat product photos into on-model photos: pick products, choose a model, pose and scene,
                see the price in credits before anything runs, and approve every photo before it reaches your store.
              </Text>
              <InlineStack gap="200">
                <Button variant="primary" url="/app/catalog">
                  Pick products to shoot
                </Button>
                <Button url="/app/shoots">View shoots</Button>
              </InlineStack>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section variant="oneThird">
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Credits
              </Text>
              <Box>
                <Text as="p" variant="heading2xl" id="credit-balance">
                  {balance}
                </Text>
                <Text as="p" tone="subdued">
                  credits available
                </Text>
              </Box>
              <Text as="p" tone="subdued">
                {inFlight > 0 ? `${inFlight} photos in progress` : "No photos in progress"}
              </Text>
              <Button url="/app/credits">Buy credits</Button>
            </BlockStack>
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
