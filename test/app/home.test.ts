import { describe, expect, it } from "vitest";
import { grantPurchase } from "~/services/credits/operations.server";
import { loader as homeLoader } from "~/routes/app._index";
import { loader as creditsLoader } from "~/routes/app.credits";
import { makeShop, uniqueShopDomain, useTestDb } from "../support/db";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";

const h = useTestDb(2);
const args = (request: Request) => ({ request, params: {}, context: {} });

describe("Home", () => {
  it("shows the balance of the shop named by the session token, from the database", async () => {
    const shop = await makeShop(h);
    await grantPurchase(h.prisma, shop.id, { credits: 37, key: `p-${shop.id}` });
    const other = await makeShop(h);
    await grantPurchase(h.prisma, other.id, { credits: 5, key: `p-${other.id}` });
    await storeOfflineSession(h.prisma, shop.domain);
    const data = await homeLoader(args(await embeddedRequest(shop.domain, "/app")));
    expect(data).toMatchObject({ balance: 37, shopName: shop.domain });
    const credits = await creditsLoader(args(await embeddedRequest(shop.domain, "/app/credits")));
    expect(credits.entries).toHaveLength(1);
    expect(credits.entries[0]).toMatchObject({ type: "purchase", amount: 37, balanceAfter: 37 });
  });

  it("creates the shop row with its welcome bonus when a session exists without one", async () => {
    const domain = uniqueShopDomain("fresh");
    await storeOfflineSession(h.prisma, domain);
    const data = await homeLoader(args(await embeddedRequest(domain, "/app")));
    expect(data.balance).toBe(10);
    await homeLoader(args(await embeddedRequest(domain, "/app")));
    const shop = await h.prisma.shop.findUniqueOrThrow({ where: { domain } });
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: shop.id } })).toBe(1);
  });

  it("refuses a request whose session token is signed with another secret", async () => {
    const shop = await makeShop(h);
    await storeOfflineSession(h.prisma, shop.domain);
    const { mintSessionToken } = await import("../../dev/shopify/tokens");
    const forged = await mintSessionToken({ shop: shop.domain, apiKey: "atelier-dev-api-key", apiSecret: "x".repeat(32) });
    const request = new Request("http://127.0.0.1:3000/app", { headers: { Authorization: `Bearer ${forged}` } });
    const outcome = await homeLoader(args(request)).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(Response);
    expect((outcome as Response).status).toBe(401);
  });
});
