import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { action } from "~/routes/app.shoots.$batchId";
import { grantPurchase } from "~/services/credits/operations.server";
import { getBalance } from "~/services/credits/queries.server";
import { createShoot } from "~/services/shoots/create.server";
import { failJob } from "~/services/shoots/job-state.server";
import { makeShop, useTestDb } from "../support/db";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";

const h = useTestDb(2);

describe("retrying failed photos", () => {
  it("starts a new, charged shoot of just the failed products with the same settings", async () => {
    const shop = await makeShop(h);
    await storeOfflineSession(h.prisma, shop.domain);
    await grantPurchase(h.prisma, shop.id, { credits: 10, key: `p-${shop.id}` });
    const products = ["gid://shopify/Product/11", "gid://shopify/Product/12"];
    for (const productId of products) {
      await h.prisma.asset.create({ data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${shop.id}/${randomUUID()}.jpg`, productId, mimeType: "image/jpeg", byteSize: 1n } });
    }
    const shoot = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds: products, options: { modelPreset: "dress_form", posePreset: "standing", scenePreset: "loft", generationType: "hd" } });
    const failedJob = await h.prisma.generationJob.findFirstOrThrow({ where: { batchId: shoot.batchId, productId: products[1] } });
    await failJob(h.prisma, shop.id, failedJob.id, { code: "content_refused", message: "refused" });
    for (const j of shoot.jobIds.filter((id) => id !== failedJob.id)) await h.prisma.generationJob.update({ where: { id: j }, data: { status: "completed" } });
    expect(await getBalance(h.prisma, shop.id)).toBe(8);

    const form = new URLSearchParams({ intent: "retry-failed", clientKey: randomUUID() });
    const request = await embeddedRequest(shop.domain, `/app/shoots/${shoot.batchId}`, { method: "POST", body: form, headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    const outcome = await action({ request, params: { batchId: shoot.batchId }, context: {} }).catch((e: unknown) => e);
    expect((outcome as Response).status).toBe(302);
    const newBatch = (outcome as Response).headers.get("Location")!.split("/").pop()!;
    const retried = await h.prisma.generationJob.findMany({ where: { batchId: newBatch } });
    expect(retried.map((j) => [j.productId, j.modelPreset, j.scenePreset, j.generationType])).toEqual([[products[1], "dress_form", "loft", "hd"]]);
    expect(await getBalance(h.prisma, shop.id)).toBe(6);
  });
});
