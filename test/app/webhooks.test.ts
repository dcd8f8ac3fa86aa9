import { describe, expect, it } from "vitest";
import { action as compliance } from "~/routes/webhooks.compliance";
import { action as uninstalled } from "~/routes/webhooks.app.uninstalled";
import { recordInstall } from "~/services/shops.server";
import { makeShop, uniqueShopDomain, useTestDb } from "../support/db";
import { storeOfflineSession, webhookRequest } from "../support/shopify";

const h = useTestDb(2);
const args = (request: Request) => ({ request, params: {}, context: {} });

describe("webhooks", () => {
  it("app/uninstalled deletes sessions and marks the shop, once per event id", async () => {
    const shop = await makeShop(h);
    await storeOfflineSession(h.prisma, shop.domain);
    const request = () =>
      webhookRequest("/webhooks/app/uninstalled", { topic: "app/uninstalled", shop: shop.domain, payload: { id: 1 }, eventId: `evt-${shop.id}` });
    expect((await uninstalled(args(request()))).status).toBe(200);
    expect(await h.prisma.session.count({ where: { shop: shop.domain } })).toBe(0);
    const row = await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    expect(row.uninstalledAt).not.toBeNull();
    // A reinstall followed by a redelivery of the old event must not uninstall again.
    await recordInstall(h.prisma, { domain: shop.domain, welcomeCredits: 10 });
    expect((await uninstalled(args(request()))).status).toBe(200);
    expect((await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).uninstalledAt).toBeNull();
    expect(await h.prisma.shopifyWebhookEvent.count({ where: { eventId: `evt-${shop.id}` } })).toBe(1);
  });

  it("refuses a delivery with a bad HMAC and records nothing", async () => {
    const shop = await makeShop(h);
    const request = webhookRequest("/webhooks/app/uninstalled", {
      topic: "app/uninstalled",
      shop: shop.domain,
      payload: { id: 1 },
      secret: "y".repeat(40),
      eventId: `bad-${shop.id}`,
    });
    const outcome = await uninstalled(args(request)).catch((e: unknown) => e);
    expect((outcome as Response).status).toBe(401);
    expect(await h.prisma.shopifyWebhookEvent.count({ where: { eventId: `bad-${shop.id}` } })).toBe(0);
    expect((await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).uninstalledAt).toBeNull();
  });

  it("shop/redact removes personal data but keeps the ledger", async () => {
    const domain = uniqueShopDomain("redact");
    const shop = await recordInstall(h.prisma, { domain, name: "Jane's", email: "jane@example.com", welcomeCredits: 10 });
    const response = await compliance(
      args(webhookRequest("/webhooks/compliance", { topic: "shop/redact", shop: domain, payload: { shop_id: 1, shop_domain: domain } })),
    );
    expect(response.status).toBe(200);
    const row = await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    expect(row).toMatchObject({ name: null, email: null });
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: shop.id } })).toBe(1);
  });
});
