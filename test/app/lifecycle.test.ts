import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = mkdtempSync(path.join(tmpdir(), "atelier-lifecycle-"));
process.env.LOCAL_STORAGE_DIR = root;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const { action: compliance } = await import("~/routes/webhooks.compliance");
const { action: uninstalled } = await import("~/routes/webhooks.app.uninstalled");
const { storage } = await import("~/storage.server");
const { grantPurchase } = await import("~/services/credits/operations.server");
const { getBalance } = await import("~/services/credits/queries.server");
const { createShoot } = await import("~/services/shoots/create.server");
const { recordInstall } = await import("~/services/shops.server");
const { makeShop, uniqueShopDomain, useTestDb } = await import("../support/db");
const { finishedPhoto } = await import("../support/outputs");
const { addProductPhoto } = await import("../support/photos");
const { storeOfflineSession, webhookRequest } = await import("../support/shopify");

const h = useTestDb(4);
const args = (request: Request) => ({ request, params: {}, context: {} });
const options = { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } as const;

function uninstall(domain: string, eventId: string = crypto.randomUUID(), secret?: string) {
  return uninstalled(args(webhookRequest("/webhooks/app/uninstalled", { topic: "app/uninstalled", shop: domain, payload: { id: 1, domain }, eventId, secret })));
}

function compliant(topic: string, domain: string, payload: unknown, eventId: string = crypto.randomUUID()) {
  return compliance(args(webhookRequest("/webhooks/compliance", { topic, shop: domain, payload, eventId })));
}

/** A shop mid-shoot: 3 photos waiting (queued), 1 at the provider (processing). */
async function busyShop() {
  const shop = await makeShop(h, { label: "busy", welcomeCredits: 10 });
  await storeOfflineSession(h.prisma, shop.domain);
  await grantPurchase(h.prisma, shop.id, { credits: 10, key: `p-${shop.id}` });
  const productIds = ["gid://shopify/Product/1", "gid://shopify/Product/2"];
  for (const productId of productIds) await addProductPhoto(h, storage(), { shopId: shop.id, productId, bytes: Buffer.from("photo") });
  const shoot = await createShoot(h.prisma, shop.id, { clientKey: `busy-${shop.id}`, productIds, options: { ...options, variations: 2 } });
  await h.prisma.generationJob.updateMany({ where: { id: { in: shoot.jobIds.slice(1) } }, data: { status: "queued" } });
  await h.prisma.generationJob.update({ where: { id: shoot.jobIds[0] }, data: { status: "processing", provider: "studio" } });
  return { shop, shoot };
}

describe("app/uninstalled", () => {
  it("cancels and refunds waiting photos, leaves the one at the provider, and is idempotent", async () => {
    const { shop, shoot } = await busyShop();
    expect(await getBalance(h.prisma, shop.id)).toBe(16);
    const response = await uninstall(shop.domain, `u-${shop.id}`);
    expect(response.status).toBe(200);
    const jobs = await h.prisma.generationJob.findMany({ where: { batchId: shoot.batchId }, orderBy: { createdAt: "asc" } });
    expect(jobs.map((j) => j.status).sort()).toEqual(["cancelled", "cancelled", "cancelled", "processing"]);
    expect(await getBalance(h.prisma, shop.id)).toBe(19);
    expect(await h.prisma.session.count({ where: { shop: shop.domain } })).toBe(0);
    expect((await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } })).uninstalledAt).toBeInstanceOf(Date);
    const events = await h.prisma.jobEvent.count({ where: { shopId: shop.id, event: "cancelled" } });
    expect(events).toBe(3);

    // The same event again, and a second delivery under another id: nothing changes.
    expect((await uninstall(shop.domain, `u-${shop.id}`)).status).toBe(200);
    expect((await uninstall(shop.domain)).status).toBe(200);
    expect(await getBalance(h.prisma, shop.id)).toBe(19);
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: shop.id, txType: "refund" } })).toBe(3);

    // Reinstall: the shop is back with its balance and no second welcome bonus.
    const back = await recordInstall(h.prisma, { domain: shop.domain, welcomeCredits: 10 });
    expect(back.uninstalledAt).toBeNull();
    expect(await getBalance(h.prisma, shop.id)).toBe(19);
  });

  it("answers 200 for a shop it never saw or already removed, and 401 for a bad HMAC", async () => {
    expect((await uninstall(uniqueShopDomain("ghost"))).status).toBe(200);
    const { shop } = await busyShop();
    const refused = await uninstall(shop.domain, `bad-${shop.id}`, "z".repeat(40)).catch((e: unknown) => e);
    expect((refused as Response).status).toBe(401);
    expect(await h.prisma.generationJob.count({ where: { shopId: shop.id, status: "cancelled" } })).toBe(0);
    expect(await h.prisma.session.count({ where: { shop: shop.domain } })).toBe(1);
  });
});

describe("privacy webhooks", () => {
  it("shop/redact deletes the shop's photos, files and work, keeping an exact ledger without personal data", async () => {
    const domain = uniqueShopDomain("redact");
    const shop = await recordInstall(h.prisma, { domain, name: "Jane's Boutique", email: "jane@example.com", welcomeCredits: 10 });
    await storeOfflineSession(h.prisma, domain);
    const photo = await finishedPhoto(h, storage(), { shopId: shop.id, productId: "gid://shopify/Product/9" });
    await h.prisma.appPurchase.create({
      data: { shopId: shop.id, shopifyPurchaseId: `gid://shopify/AppPurchaseOneTime/${Date.now()}`, packId: "starter", credits: 50, priceAmount: "19.00", currency: "USD", status: "DECLINED", confirmationUrl: `https://${domain}/admin/charges/1` },
    });
    const other = await makeShop(h, { label: "neighbour" });
    const theirs = await finishedPhoto(h, storage(), { shopId: other.id, productId: "gid://shopify/Product/9" });
    const balance = await getBalance(h.prisma, shop.id);
    expect((await storage().list("outputs", `${shop.id}/`)).length).toBe(1);

    expect((await compliant("shop/redact", domain, { shop_id: 1, shop_domain: domain })).status).toBe(200);
    expect(await storage().list("outputs", `${shop.id}/`)).toEqual([]);
    expect(await storage().list("uploads", `${shop.id}/`)).toEqual([]);
    for (const count of [
      h.prisma.asset.count({ where: { shopId: shop.id } }),
      h.prisma.generationJob.count({ where: { shopId: shop.id } }),
      h.prisma.jobEvent.count({ where: { shopId: shop.id } }),
      h.prisma.generationBatch.count({ where: { id: photo.batchId } }),
      h.prisma.session.count({ where: { shop: domain } }),
    ]) {
      expect(await count).toBe(0);
    }
    const row = await h.prisma.shop.findUniqueOrThrow({ where: { id: shop.id } });
    expect(row).toMatchObject({ name: null, email: null, settings: {} });
    expect(await getBalance(h.prisma, shop.id)).toBe(balance);
    const sum = await h.prisma.creditLedgerEntry.aggregate({ where: { shopId: shop.id }, _sum: { amount: true } });
    expect(sum._sum.amount).toBe(balance);
    expect(await h.prisma.appPurchase.findFirstOrThrow({ where: { shopId: shop.id } })).toMatchObject({ confirmationUrl: null, credits: 50 });
    // The neighbour keeps everything.
    expect((await storage().list("outputs", `${other.id}/`)).map((o) => o.path)).toEqual([theirs.output.path]);
    expect(await h.prisma.generationJob.count({ where: { shopId: other.id } })).toBe(1);

    // Redelivered, and for a shop never seen: fine, and recorded.
    expect((await compliant("shop/redact", domain, { shop_id: 1, shop_domain: domain })).status).toBe(200);
    expect((await compliant("shop/redact", uniqueShopDomain("never"), { shop_id: 2 })).status).toBe(200);
    expect(await h.prisma.complianceRequest.count({ where: { shopDomain: domain, topic: "shop/redact" } })).toBe(2);
  });

  it("customer requests are answered and recorded by id, without the customer's details", async () => {
    const shop = await makeShop(h);
    const payload = {
      shop_id: 954889,
      shop_domain: shop.domain,
      customer: { id: 191167, email: "john@example.com", phone: "555-625-1199" },
      orders_requested: [299938, 280263],
      data_request: { id: 9999 },
    };
    expect((await compliant("customers/data_request", shop.domain, payload)).status).toBe(200);
    expect((await compliant("customers/redact", shop.domain, { ...payload, orders_to_redact: [1] })).status).toBe(200);
    const rows = await h.prisma.complianceRequest.findMany({ where: { shopDomain: shop.domain }, orderBy: { receivedAt: "asc" } });
    expect(rows.map((r) => [r.topic, Number(r.customerId), r.ordersCount, r.outcome])).toEqual([
      ["customers/data_request", 191167, 2, "no customer data held"],
      ["customers/redact", 191167, 2, "no customer data held"],
    ]);
    expect(JSON.stringify(rows, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))).not.toMatch(/john@example\.com|555-625/);
  });
});
