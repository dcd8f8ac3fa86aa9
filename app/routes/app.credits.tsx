import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useFetcher, useLoaderData, useRevalidator } from "@remix-run/react";
import { Badge, Banner, BlockStack, Button, Card, DataTable, InlineGrid, InlineStack, Layout, Page, Text } from "@shopify/polaris";
import { useEffect, useState } from "react";
import { EmptyNote } from "~/components/EmptyNote";
import prisma from "~/db.server";
import { appEnv } from "~/env.server";
import { purchaseReturn, startPurchase } from "~/lib/billing.server";
import { requireShop } from "~/lib/shop-context.server";
import { creditsOwed } from "~/services/billing/fulfil.server";
import { BillingError } from "~/services/billing/shopify-billing.server";
import { getBalance, listLedger } from "~/services/credits/queries.server";

const LABELS: Record<string, string> = { purchase: "Purchase", spend: "Shoot", refund: "Refund", bonus: "Bonus", adjustment: "Adjustment" };
const PAGE = 50;

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, graphql } = await requireShop(request);
  const url = new URL(request.url);
  // Back from Shopify's approval page or Stripe Checkout: credit before reading the balance.
  const returned = await purchaseReturn(shop, graphql, url.searchParams);
  const before = url.searchParams.get("before");
  const beforeSeq = before && /^\d{1,18}$/.test(before) ? BigInt(before) : undefined;
  const env = appEnv();
  const [balance, owed, entries, purchases] = await Promise.all([
    getBalance(prisma, shop.id),
    creditsOwed(prisma, shop.id),
    listLedger(prisma, shop.id, { limit: PAGE + 1, beforeSeq }),
    prisma.appPurchase.findMany({ where: { shopId: shop.id }, orderBy: { createdAt: "desc" }, take: 20 }),
  ]);
  return {
    balance,
    owed,
    returned,
    provider: env.BILLING_PROVIDER,
    packs: env.CREDIT_PACKS,
    purchases: purchases.map((p) => ({
      id: p.id,
      at: p.createdAt.toISOString(),
      pack: env.CREDIT_PACKS.find((pack) => pack.id === p.packId)?.name ?? p.packId,
      credits: p.credits,
      price: `${p.priceAmount.toFixed(2)} ${p.currency}`,
      status: p.status,
      provider: p.provider,
      reversed: p.reversedCredits,
    })),
    entries: entries.slice(0, PAGE).map((e) => ({
      id: e.id,
      seq: e.seq.toString(),
      at: e.createdAt.toISOString(),
      type: e.txType,
      amount: e.amount,
      balanceAfter: e.balanceAfter,
      description: e.description ?? "",
      shoot: e.reference?.startsWith("batch:") ? e.reference.slice(6) : null,
    })),
    olderCursor: entries.length > PAGE ? entries[PAGE - 1]!.seq.toString() : null,
    paged: beforeSeq !== undefined,
    buyKey: crypto.randomUUID(),
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop, graphql } = await requireShop(request);
  const form = await request.formData();
  if (form.get("intent") !== "buy") return Response.json({ error: "Unknown action" }, { status: 400 });
  const clientKey = String(form.get("clientKey") ?? "");
  if (!/^[A-Za-z0-9-]{8,100}$/.test(clientKey)) return Response.json({ error: "Reload the page and try again." }, { status: 400 });
  try {
    return await startPurchase(shop, graphql, form.get("packId"), clientKey);
  } catch (error) {
    if (error instanceof BillingError) return Response.json({ error: error.message }, { status: 400 });
    throw error;
  }
};

const STATUS_TONE: Record<string, "success" | "critical" | "attention" | undefined> = { ACTIVE: "success", DECLINED: "critical", EXPIRED: "critical", PENDING: "attention" };
const STATUS_LABEL: Record<string, string> = { ACTIVE: "Paid", DECLINED: "Declined", EXPIRED: "Expired", PENDING: "Pending" };

async function downloadCsv() {
  // A plain link would lose the session token; App Bridge adds it to fetch().
  const response = await fetch("/app/credits/export");
  if (!response.ok) throw new Error(`export failed (${response.status})`);
  const url = URL.createObjectURL(await response.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = "atelier-credits.csv";
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export default function Credits() {
  const data = useLoaderData<typeof loader>();
  const buy = useFetcher<{ redirectTo?: string; error?: string }>();
  const [exportError, setExportError] = useState<string | null>(null);
  const revalidator = useRevalidator();
  const processing = data.purchases.some((p) => p.status === "PENDING") && data.returned?.tone === "info";
  useEffect(() => {
    // A payment that clears later (bank transfer) shows up here without a reload.
    if (!processing) return;
    const poll = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 3000);
    const stop = setTimeout(() => clearInterval(poll), 10 * 60_000);
    return () => {
      clearInterval(poll);
      clearTimeout(stop);
    };
  }, [processing, revalidator]);
  useEffect(() => {
    // Shopify's approval page and Stripe Checkout cannot run inside the admin's iframe.
    if (buy.data?.redirectTo) window.open(buy.data.redirectTo, "_top");
  }, [buy.data]);
  return (
    <Page title="Credits" backAction={{ url: "/app" }}>
      <Layout>
        {data.returned && (
          <Layout.Section>
            <Banner tone={data.returned.tone}>{data.returned.message}</Banner>
          </Layout.Section>
        )}
        {buy.data?.error && (
          <Layout.Section>
            <Banner tone="critical">{buy.data.error}</Banner>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card>
            <BlockStack gap="200">
              <Text as="h2" variant="headingMd">
                Balance
              </Text>
              <Text as="p" variant="heading2xl" id="credit-balance">
                {data.balance} credits
              </Text>
              {data.owed > 0 && (
                <Banner tone="warning">
                  {`${data.owed} credits are owed from a refunded or disputed purchase. New shoots start again once a pack settles them.`}
                </Banner>
              )}
            </BlockStack>
          </Card>
        </Layout.Section>
        <Layout.Section>
          <InlineGrid columns={{ xs: 1, sm: 3 }} gap="300">
            {data.packs.map((pack) => (
              <Card key={pack.id}>
                <BlockStack gap="200">
                  <Text as="h3" variant="headingMd">
                    {pack.name}
                  </Text>
                  <Text as="p" variant="headingLg">{`${pack.credits} credits`}</Text>
                  <Text as="p" tone="subdued">{`${pack.price} ${pack.currency}`}</Text>
                  <buy.Form method="post">
                    <input type="hidden" name="intent" value="buy" />
                    <input type="hidden" name="packId" value={pack.id} />
                    <input type="hidden" name="clientKey" value={`${data.buyKey}-${pack.id}`} />
                    <Button submit variant="primary" accessibilityLabel={`Buy ${pack.name}`} loading={buy.state !== "idle" && buy.formData?.get("packId") === pack.id}>
                      Buy
                    </Button>
                  </buy.Form>
                </BlockStack>
              </Card>
            ))}
          </InlineGrid>
          <Text as="p" tone="subdued">
            {data.provider === "shopify" ? "Charged to your Shopify bill." : "Paid by card through Stripe."}
          </Text>
        </Layout.Section>
        {data.purchases.length > 0 && (
          <Layout.Section>
            <Card padding="0">
              <DataTable
                columnContentTypes={["text", "text", "numeric", "text", "text"]}
                headings={["Date", "Pack", "Credits", "Price", "Status"]}
                rows={data.purchases.map((p) => [
                  new Date(p.at).toLocaleString(),
                  p.pack,
                  p.reversed ? `${p.credits} (${p.reversed} reversed)` : p.credits,
                  p.price,
                  <Badge key={p.id} tone={STATUS_TONE[p.status]}>
                    {STATUS_LABEL[p.status] ?? p.status}
                  </Badge>,
                ])}
              />
            </Card>
          </Layout.Section>
        )}
        <Layout.Section>
          <Card padding="0">
            {data.entries.length === 0 ? (
              <EmptyNote heading="No credit activity yet">Purchases, shoots and refunds will be listed here.</EmptyNote>
            ) : (
              <DataTable
                columnContentTypes={["text", "text", "text", "numeric", "numeric"]}
                headings={["Date", "Type", "Details", "Credits", "Balance"]}
                rows={data.entries.map((e) => [
                  new Date(e.at).toLocaleString(),
                  LABELS[e.type] ?? e.type,
                  e.shoot ? (
                    <Link key={e.id} to={`/app/shoots/${e.shoot}`}>
                      {e.description || "Shoot"}
                    </Link>
                  ) : (
                    e.description
                  ),
                  e.amount > 0 ? `+${e.amount}` : String(e.amount),
                  e.balanceAfter,
                ])}
              />
            )}
          </Card>
          <div style={{ marginTop: 12 }}>
            <InlineStack gap="200" align="space-between">
              <InlineStack gap="200">
                {data.paged && <Button url="/app/credits">Newest</Button>}
                {data.olderCursor && <Button url={`/app/credits?before=${data.olderCursor}`}>Older</Button>}
              </InlineStack>
              <Button onClick={() => downloadCsv().catch((e: unknown) => setExportError(e instanceof Error ? e.message : String(e)))}>Export CSV</Button>
            </InlineStack>
            {exportError && <Banner tone="critical">{exportError}</Banner>}
          </div>
        </Layout.Section>
      </Layout>
    </Page>
  );
}
