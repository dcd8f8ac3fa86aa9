import { describe, expect, it } from "vitest";
import { action } from "~/routes/webhooks.products";
import { saveLook } from "~/services/shoots/looks.server";
import { makeShop, useTestDb } from "../support/db";
import { webhookRequest } from "../support/shopify";

const h = useTestDb(4);
const args = (request: Request) => ({ request, params: {}, context: {} });

function deliver(topic: string, domain: string, payload: unknown, eventId: string = crypto.randomUUID()) {
  return action(args(webhookRequest("/webhooks/products", { topic, shop: domain, payload, eventId })));
}

describe("products webhooks and the catalog watcher", () => {
  it("a created product with a photo becomes a draft and an import of that product; duplicates change nothing", async () => {
    const shop = await makeShop(h);
    const look = await saveLook(h.prisma, shop.id, { name: "Studio", options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } });
    await h.prisma.shop.update({ where: { id: shop.id }, data: { settings: { watchCatalog: true, watchSince: "2026-01-01T00:00:00Z", watcherLookId: look.id, watcherMonthlyBudget: 20 } } });
    const payload = {
      id: 4242,
      admin_graphql_api_id: "gid://shopify/Product/4242",
      media: [{ admin_graphql_api_id: "gid://shopify/MediaImage/777", media_content_type: "IMAGE", created_at: "2026-11-25T09:00:00Z" }],
    };
    const responses = await Promise.all([deliver("products/create", shop.domain, payload, "same-event"), deliver("products/create", shop.domain, payload, "same-event"), deliver("products/update", shop.domain, payload)]);
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await h.prisma.watcherDraft.findMany({ where: { shopId: shop.id }, select: { productId: true, status: true } })).toEqual([
      { productId: "gid://shopify/Product/4242", status: "draft" },
    ]);
    const runs = await h.prisma.importRun.findMany({ where: { shopId: shop.id } });
    expect(runs.map((r) => r.productIds)).toEqual([["gid://shopify/Product/4242"]]);
  });

  it("a shop without the watcher only keeps its photos in step", async () => {
    const shop = await makeShop(h);
    const response = await deliver("products/create", shop.domain, { id: 1, media: [{ admin_graphql_api_id: "gid://shopify/MediaImage/1", created_at: "2026-11-25T09:00:00Z" }] });
    expect(response.status).toBe(200);
    expect(await h.prisma.watcherDraft.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await h.prisma.importRun.count({ where: { shopId: shop.id } })).toBe(0);
  });
});
