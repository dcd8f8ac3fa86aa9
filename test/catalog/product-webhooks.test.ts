import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { action as products } from "~/routes/webhooks.products";
import { makeShop, useTestDb } from "../support/db";
import { webhookRequest } from "../support/shopify";

const h = useTestDb(2);
const args = (request: Request) => ({ request, params: {}, context: {} });

async function importedAsset(shopId: string, productId: string, mediaId: string, sourceUrl: string) {
  return h.prisma.asset.create({
    data: { shopId, kind: "upload", source: "shopify", bucket: "uploads", path: `${shopId}/${randomUUID()}.jpg`, productId, mediaId, mimeType: "image/jpeg", byteSize: 10n, sourceUrl, sha256: "a".repeat(64) },
  });
}

describe("product webhooks", () => {
  it("products/update marks removed and changed images stale and leaves the rest", async () => {
    const shop = await makeShop(h);
    const productId = "gid://shopify/Product/101";
    const kept = await importedAsset(shop.id, productId, "gid://shopify/MediaImage/1", "https://cdn.example/1.jpg?v=1");
    const changed = await importedAsset(shop.id, productId, "gid://shopify/MediaImage/2", "https://cdn.example/2.jpg?v=1");
    const removed = await importedAsset(shop.id, productId, "gid://shopify/MediaImage/3", "https://cdn.example/3.jpg?v=1");
    const otherProduct = await importedAsset(shop.id, "gid://shopify/Product/202", "gid://shopify/MediaImage/9", "https://cdn.example/9.jpg?v=1");
    const response = await products(
      args(
        webhookRequest("/webhooks/products", {
          topic: "products/update",
          shop: shop.domain,
          payload: {
            id: 101,
            admin_graphql_api_id: productId,
            media: [
              { admin_graphql_api_id: "gid://shopify/MediaImage/1", preview_image: { src: "https://cdn.example/1.jpg?v=1" } },
              { admin_graphql_api_id: "gid://shopify/MediaImage/2", preview_image: { src: "https://cdn.example/2.jpg?v=2" } },
            ],
          },
        }),
      ),
    );
    expect(response.status).toBe(200);
    const status = async (id: string) => (await h.prisma.asset.findUniqueOrThrow({ where: { id } })).status;
    expect(await status(kept.id)).toBe("active");
    expect(await status(changed.id)).toBe("stale");
    expect(await status(removed.id)).toBe("stale");
    expect(await status(otherProduct.id)).toBe("active");
  });

  it("products/delete orphans the product's imported photos, only in that shop", async () => {
    const shop = await makeShop(h);
    const other = await makeShop(h);
    const productId = "gid://shopify/Product/303";
    const mine = await importedAsset(shop.id, productId, "gid://shopify/MediaImage/4", "https://cdn.example/4.jpg");
    const theirs = await importedAsset(other.id, productId, "gid://shopify/MediaImage/4", "https://cdn.example/4.jpg");
    await products(args(webhookRequest("/webhooks/products", { topic: "products/delete", shop: shop.domain, payload: { id: 303 } })));
    expect((await h.prisma.asset.findUniqueOrThrow({ where: { id: mine.id } })).status).toBe("orphaned");
    expect((await h.prisma.asset.findUniqueOrThrow({ where: { id: theirs.id } })).status).toBe("active");
  });

  it("answers a malformed payload with an error and changes nothing", async () => {
    const shop = await makeShop(h);
    const asset = await importedAsset(shop.id, "gid://shopify/Product/404", "gid://shopify/MediaImage/5", "https://cdn.example/5.jpg");
    const response = await products(args(webhookRequest("/webhooks/products", { topic: "products/update", shop: shop.domain, payload: { nope: true } })));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "unexpected payload" });
    expect((await h.prisma.asset.findUniqueOrThrow({ where: { id: asset.id } })).status).toBe("active");
  });
});
