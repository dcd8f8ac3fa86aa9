import { describe, expect, it } from "vitest";
import { DEFAULT_CREDIT_PACKS } from "~/lib/credit-packs";
import { action as purchaseWebhook } from "~/routes/webhooks.app_purchases_one_time.update";
import { getBalance } from "~/services/credits/queries.server";
import { startShopifyPurchase, syncShopifyPurchase } from "~/services/billing/shopify-billing.server";
import { createAdminGraphQL } from "~/services/shopify/admin-graphql.server";
import { makeShop, useTestDb } from "../support/db";
import { storeOfflineSession, webhookRequest } from "../support/shopify";
import { useSimulator } from "../support/simulator";

const h = useTestDb(4);
const sim = await useSimulator({ products: 2 });
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
const pack = DEFAULT_CREDIT_PACKS[0]!;
const args = (request: Request) => ({ request, params: {}, context: {} });

async function connected(label: string) {
  const shop = await makeShop(h, { label });
  const token = await sim.accessToken(shop.domain);
  await storeOfflineSession(h.prisma, shop.domain);
  await h.prisma.session.update({ where: { id: `offline_${shop.domain}` }, data: { accessToken: token } });
  return { shop, admin: createAdminGraphQL({ shop: shop.domain, accessToken: token }) };
}

/** The merchant's choice on Shopify's approval page, as the browser posts it. */
async function decide(confirmationUrl: string, decision: "approve" | "decline") {
  const response = await fetch(`${confirmationUrl}?decision=${decision}`, { method: "POST", redirect: "manual" });
  expect(response.status).toBe(303);
  return new URL(response.headers.get("location")!);
}

function purchaseEvent(domain: string, id: string, status: string) {
  return webhookRequest("/webhooks/app_purchases_one_time/update", {
    topic: "app_purchases_one_time/update",
    shop: domain,
    payload: { app_purchase_one_time: { admin_graphql_api_id: id, name: "x", status, created_at: new Date().toISOString() } },
  });
}

describe("Shopify Billing", () => {
  it("credits an approved purchase once, whether the return page or webhooks get there first", async () => {
    const { shop, admin } = await connected("bill-ok");
    const started = await startShopifyPurchase(h.prisma, admin, shop.id, pack, { returnUrl: `${sim.url}/store/x/apps/atelier/app/credits`, test: true });
    const row = await h.prisma.appPurchase.findUniqueOrThrow({ where: { id: started.purchaseId } });
    expect(row).toMatchObject({ provider: "shopify", status: "PENDING", credits: pack.credits, test: true, packId: pack.id });
    // Not approved yet: nothing to credit.
    expect(await syncShopifyPurchase(h.prisma, admin, shop.id, row.shopifyPurchaseId!)).toMatchObject({ status: "PENDING", credited: false });
    expect(await getBalance(h.prisma, shop.id)).toBe(0);

    const back = await decide(started.confirmationUrl, "approve");
    expect(back.searchParams.get("charge_id")).toBe(row.shopifyPurchaseId!.split("/").pop());
    // The webhook (delivered twice) and the return page race: one credit.
    const responses = await Promise.all([
      purchaseWebhook(args(purchaseEvent(shop.domain, row.shopifyPurchaseId!, "ACTIVE"))),
      purchaseWebhook(args(purchaseEvent(shop.domain, row.shopifyPurchaseId!, "ACTIVE"))),
      syncShopifyPurchase(h.prisma, admin, shop.id, row.shopifyPurchaseId!),
    ]);
    expect((responses[0] as Response).status).toBe(200);
    expect((responses[1] as Response).status).toBe(200);
    expect(await getBalance(h.prisma, shop.id)).toBe(pack.credits);
    const entries = await h.prisma.creditLedgerEntry.findMany({ where: { shopId: shop.id } });
    expect(entries.map((e) => [e.txType, e.amount, e.idempotencyKey])).toEqual([["purchase", pack.credits, `purchase_shopify_${back.searchParams.get("charge_id")}`]]);
    expect(await h.prisma.appPurchase.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "ACTIVE" });
  });

  it("credits nothing for a declined or expired purchase, and ignores a webhook body claiming ACTIVE", async () => {
    const { shop, admin } = await connected("bill-no");
    const declined = await startShopifyPurchase(h.prisma, admin, shop.id, pack, { returnUrl: `${sim.url}/store/x/apps/atelier/app/credits`, test: true });
    await decide(declined.confirmationUrl, "decline");
    const declinedRow = await h.prisma.appPurchase.findUniqueOrThrow({ where: { id: declined.purchaseId } });
    // The webhook lies; the Admin API says DECLINED.
    expect((await purchaseWebhook(args(purchaseEvent(shop.domain, declinedRow.shopifyPurchaseId!, "ACTIVE")))).status).toBe(200);
    expect(await h.prisma.appPurchase.findUniqueOrThrow({ where: { id: declined.purchaseId } })).toMatchObject({ status: "DECLINED", creditedAt: null });

    const expired = await startShopifyPurchase(h.prisma, admin, shop.id, pack, { returnUrl: `${sim.url}/store/x/apps/atelier/app/credits`, test: true });
    const expiredRow = await h.prisma.appPurchase.findUniqueOrThrow({ where: { id: expired.purchaseId } });
    sim.runtime.state.shop(shop.domain).purchases.get(Number(expiredRow.shopifyPurchaseId!.split("/").pop()))!.status = "EXPIRED";
    expect(await syncShopifyPurchase(h.prisma, admin, shop.id, expiredRow.shopifyPurchaseId!)).toMatchObject({ status: "EXPIRED", credited: false });
    expect(await getBalance(h.prisma, shop.id)).toBe(0);
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
  });

  it("never credits one shop for another shop's purchase", async () => {
    const a = await connected("bill-a");
    const b = await connected("bill-b");
    const started = await startShopifyPurchase(h.prisma, a.admin, a.shop.id, pack, { returnUrl: `${sim.url}/store/x/apps/atelier/app/credits`, test: true });
    await decide(started.confirmationUrl, "approve");
    const row = await h.prisma.appPurchase.findUniqueOrThrow({ where: { id: started.purchaseId } });
    expect(await syncShopifyPurchase(h.prisma, b.admin, b.shop.id, row.shopifyPurchaseId!)).toBeNull();
    expect((await purchaseWebhook(args(purchaseEvent(b.shop.domain, row.shopifyPurchaseId!, "ACTIVE")))).status).toBe(200);
    expect(await getBalance(h.prisma, b.shop.id)).toBe(0);
    expect(await syncShopifyPurchase(h.prisma, a.admin, a.shop.id, "gid://shopify/AppPurchaseOneTime/not-a-number")).toBeNull();
  });

  it("rejects a webhook with a bad signature or payload, writing nothing", async () => {
    const { shop } = await connected("bill-bad");
    const forged = webhookRequest("/webhooks/app_purchases_one_time/update", {
      topic: "app_purchases_one_time/update",
      shop: shop.domain,
      payload: { app_purchase_one_time: { admin_graphql_api_id: "gid://shopify/AppPurchaseOneTime/1", status: "ACTIVE" } },
      secret: "not-the-app-secret-at-all",
    });
    const outcome = await purchaseWebhook(args(forged)).catch((e: unknown) => e);
    expect((outcome as Response).status).toBe(401);
    const malformed = await purchaseWebhook(args(webhookRequest("/webhooks/app_purchases_one_time/update", { topic: "app_purchases_one_time/update", shop: shop.domain, payload: { nope: true } })));
    expect(malformed.status).toBe(400);
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: shop.id } })).toBe(0);
  });
});
