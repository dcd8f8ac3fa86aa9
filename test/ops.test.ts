import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { grantPurchase } from "~/services/credits/operations.server";
import { failedJobsThisWeek, jobsByStatus, purchasesToday, reconcileLedger } from "~/services/ops/queries.server";
import { createShoot } from "~/services/shoots/create.server";
import { failJob } from "~/services/shoots/job-state.server";
import { makeShop, useTestDb } from "./support/db";

const h = useTestDb(2);

describe("operator queries", () => {
  it("answer the seed's admin questions", async () => {
    const shop = await makeShop(h);
    await grantPurchase(h.prisma, shop.id, { credits: 20, key: `p-${shop.id}` });
    await h.prisma.asset.create({ data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: `${shop.id}/${randomUUID()}.jpg`, productId: "gid://shopify/Product/1", mimeType: "image/jpeg", byteSize: 1n } });
    const s = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds: ["gid://shopify/Product/1"], options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard", variations: 2 } });
    await failJob(h.prisma, shop.id, s.jobIds[0]!, { code: "content_refused", message: "refused" });
    expect(await jobsByStatus(h.prisma)).toEqual(expect.arrayContaining([{ status: "pending", jobs: 1 }, { status: "failed", jobs: 1 }]));
    expect(await purchasesToday(h.prisma)).toMatchObject({ purchases: 1, credits: 20 });
    expect((await failedJobsThisWeek(h.prisma)).map((f) => f.errorCode)).toEqual(["content_refused"]);
    expect(await reconcileLedger(h.prisma)).toMatchObject({ discrepancies: [] });
  });
});
