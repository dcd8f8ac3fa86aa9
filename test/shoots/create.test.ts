import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InsufficientCreditsError } from "~/services/credits/errors.server";
import { grantPurchase } from "~/services/credits/operations.server";
import { getBalance } from "~/services/credits/queries.server";
import { createShoot, ShootInputError } from "~/services/shoots/create.server";
import { RateLimitedError } from "~/services/shoots/rate-limit.server";
import { makeShop, useTestDb } from "../support/db";

const h = useTestDb(8);
const options = { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } as const;

async function shopWithPhotos(products: number, credits: number, settings: { jobsPerHour?: number } = {}) {
  const shop = await makeShop(h);
  if (credits > 0) await grantPurchase(h.prisma, shop.id, { credits, key: `p-${shop.id}` });
  if (Object.keys(settings).length) await h.prisma.shop.update({ where: { id: shop.id }, data: { settings } });
  const productIds = Array.from({ length: products }, (_, i) => `gid://shopify/Product/${1000 + i}`);
  await h.prisma.asset.createMany({
    data: productIds.map((productId) => ({
      shopId: shop.id, kind: "upload" as const, source: "shopify", bucket: "uploads", path: `${shop.id}/${randomUUID()}.jpg`,
      productId, mimeType: "image/jpeg", byteSize: 100n, width: 800, height: 800,
    })),
  });
  return { shop, productIds };
}

describe("creating a shoot", () => {
  it("creates the batch, one pending job per product and variation, and reserves their credits", async () => {
    const { shop, productIds } = await shopWithPhotos(3, 50);
    const result = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds, options: { ...options, variations: 2, generationType: "hd" } });
    expect(result).toMatchObject({ status: "pending", costCredits: 12, remainingCredits: 38, replayed: false });
    expect(result.jobIds).toHaveLength(6);
    const jobs = await h.prisma.generationJob.findMany({ where: { batchId: result.batchId } });
    expect(jobs.every((j) => j.status === "pending" && j.costCredits === 2 && j.inputAssetId)).toBe(true);
    expect(new Set(jobs.map((j) => `${j.productId}#${j.variation}`)).size).toBe(6);
    const spends = await h.prisma.creditLedgerEntry.findMany({ where: { shopId: shop.id, txType: "spend" } });
    expect(spends.map((s) => s.idempotencyKey).sort()).toEqual(result.jobIds.map((id) => `job_reserve_${id}`).sort());
    expect(await h.prisma.jobEvent.count({ where: { shopId: shop.id, event: "created" } })).toBe(6);
  });

  it("creates nothing when credits do not cover the whole shoot", async () => {
    const { shop, productIds } = await shopWithPhotos(4, 7);
    const error = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds, options: { ...options, variations: 2 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientCreditsError);
    expect(await h.prisma.generationBatch.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await h.prisma.generationJob.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await getBalance(h.prisma, shop.id)).toBe(7);
  });

  it("turns a double submit with one client key into one shoot, even concurrently", async () => {
    const { shop, productIds } = await shopWithPhotos(2, 20);
    const clientKey = randomUUID();
    const results = await Promise.all(Array.from({ length: 5 }, () => createShoot(h.prisma, shop.id, { clientKey, productIds, options })));
    expect(new Set(results.map((r) => r.batchId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(await getBalance(h.prisma, shop.id)).toBe(18);
  });

  it("refuses products without a photo in Atelier and bad options, creating nothing", async () => {
    const { shop, productIds } = await shopWithPhotos(1, 20);
    await expect(createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds: [...productIds, "gid://shopify/Product/999999"], options })).rejects.toThrow(/no photo in Atelier/);
    await expect(createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds, options: { ...options, variations: 9 } })).rejects.toBeInstanceOf(ShootInputError);
    await expect(createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds: [], options })).rejects.toBeInstanceOf(ShootInputError);
    expect(await h.prisma.generationJob.count({ where: { shopId: shop.id } })).toBe(0);
    expect(await getBalance(h.prisma, shop.id)).toBe(20);
  });

  it("applies the hourly limit per shop, with a time to retry, while a 500-product shoot fits the default", async () => {
    const small = await shopWithPhotos(4, 100, { jobsPerHour: 5 });
    await createShoot(h.prisma, small.shop.id, { clientKey: randomUUID(), productIds: small.productIds.slice(0, 3), options });
    const error = await createShoot(h.prisma, small.shop.id, { clientKey: randomUUID(), productIds: small.productIds, options }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAt.getTime()).toBeGreaterThan(Date.now() + 59 * 60_000);
    expect(await getBalance(h.prisma, small.shop.id)).toBe(97);

    const big = await shopWithPhotos(500, 500);
    const shoot = await createShoot(h.prisma, big.shop.id, { clientKey: randomUUID(), productIds: big.productIds, options });
    expect(shoot.jobIds).toHaveLength(500);
    expect(shoot.remainingCredits).toBe(0);
  });
});
