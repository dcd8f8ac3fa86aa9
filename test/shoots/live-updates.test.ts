import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { loader } from "~/routes/app.shoots.$batchId.events";
import { grantPurchase } from "~/services/credits/operations.server";
import { createShoot } from "~/services/shoots/create.server";
import { cancelJobs } from "~/services/shoots/job-state.server";
import { makeShop, useTestDb } from "../support/db";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";

const h = useTestDb(2);

describe("live shoot updates", () => {
  it("streams an update when the shoot's jobs change status, and 404 for another shop", async () => {
    const shop = await makeShop(h);
    await storeOfflineSession(h.prisma, shop.domain);
    await grantPurchase(h.prisma, shop.id, { credits: 5, key: `p-${shop.id}` });
    await h.prisma.asset.create({ data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${shop.id}/${randomUUID()}.jpg`, productId: "gid://shopify/Product/3", mimeType: "image/jpeg", byteSize: 1n } });
    const shoot = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds: ["gid://shopify/Product/3"], options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } });

    const other = await makeShop(h);
    await storeOfflineSession(h.prisma, other.domain);
    const foreign = (await loader({ request: await embeddedRequest(other.domain, `/app/shoots/${shoot.batchId}/events`), params: { batchId: shoot.batchId }, context: {} })) as Response;
    expect(foreign.status).toBe(404);

    const abort = new AbortController();
    const request = await embeddedRequest(shop.domain, `/app/shoots/${shoot.batchId}/events`, { signal: abort.signal });
    const response = (await loader({ request, params: { batchId: shoot.batchId }, context: {} })) as Response;
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    expect((await reader.read()).value).toContain("event: ready");
    await cancelJobs(h.prisma, shop.id, shoot.jobIds);
    const next = await Promise.race([reader.read(), new Promise<{ value: string }>((r) => setTimeout(() => r({ value: "timeout" }), 5000))]);
    expect(next.value).toContain("event: update");
    abort.abort();
    await reader.cancel().catch(() => undefined);
  });
});
