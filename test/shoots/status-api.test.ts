import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loader } from "~/routes/api.shoots.$id";
import { grantPurchase } from "~/services/credits/operations.server";
import { createShoot } from "~/services/shoots/create.server";
import { makeShop, useTestDb } from "../support/db";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";

const h = useTestDb(2);

async function shopWithShoot() {
  const shop = await makeShop(h);
  await storeOfflineSession(h.prisma, shop.domain);
  await grantPurchase(h.prisma, shop.id, { credits: 10, key: `p-${shop.id}` });
  const productId = "gid://shopify/Product/42";
  await h.prisma.asset.create({ data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${shop.id}/${randomUUID()}.jpg`, productId, mimeType: "image/jpeg", byteSize: 1n } });
  const shoot = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds: [productId], options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } });
  return { shop, shoot };
}

async function get(shop: string, id: string) {
  const request = await embeddedRequest(shop, `/api/shoots/${id}`);
  const response = (await loader({ request, params: { id }, context: {} })) as Response;
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe("shoot status API", () => {
  it("returns the shoot's jobs to its shop, and 404 (not 403) to another shop", async () => {
    const a = await shopWithShoot();
    const b = await shopWithShoot();
    const own = await get(a.shop.domain, a.shoot.batchId);
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ batch_id: a.shoot.batchId, cost_credits: 1, jobs: [{ job_id: a.shoot.jobIds[0], status: "pending", outputs: [] }] });
    const foreign = await get(b.shop.domain, a.shoot.batchId);
    expect(foreign).toEqual({ status: 404, body: { error: "not found" } });
    expect((await get(a.shop.domain, randomUUID())).status).toBe(404);
    expect((await get(a.shop.domain, "not-a-uuid")).status).toBe(404);
  });
});
