import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { EmptyNote } from "~/components/EmptyNote";
import { BlockStack, Card, DataTable, Layout, Page, Text } from "@shopify/polaris";
import prisma from "~/db.server";
import { requireShop } from "~/lib/shop-context.server";
import { getBalance, listLedger } from "~/services/credits/queries.server";

const LABELS: Record<string, string> = {
  purchase: "Purchase",
  spend: "Shoot",
  refund: "Refund",
  bonus: "Bonus",
  adjustment: "Adjustment",
};

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const [balance, entries] = await Promise.all([getBalance(prisma, shop.id), listLedger(prisma, shop.id, { limit: 100 })]);
  return {
    balance,
    entries: entries.map((e) => ({
      id: e.id,
      at: e.createdAt.toISOString(),
      type: e.txType,
      amount: e.amount,
      balanceAfter: e.balanceAfter,
      description: e.description ?? "",
    })),
  };
};

export default function Credits() {
  const { balance, entries } = useLoaderData<typeof loader>();
  return (
    <Page title="Credits" backAction={{ url: "/app" }}>
      <Layout>
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Balance
              </Text>
              <Text as="p" variant="heading2xl">
                {balance} credits
              </Text>
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <Card padding="0">
            {entries.length === 0 ? (
              <EmptyNote heading="No credit activity yet">Purchases, shoots and refunds will be listed here.</EmptyNote>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "text", "numeric", "numeric"]}
                headings={["Date", "Type", "Details", "Credits", "Balance"]}
                rows={entries.map((e) => [
                  new Date(e.at).toLocaleString(),
                  LABELS[e.type] ?? e.type,
                  e.description,
                  e.amount > 0 ? `+${e.amount}` : String(e.amount),
                  e.balanceAfter,
                ])}
              />
            )}
          </Card>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
