import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { grantPurchase } from "~/services/credits/operations.server";
import { getBalance } from "~/services/credits/queries.server";
import { deleteOldJobEvents, deleteOrphanOutputs, deleteUnusedAssets, failStuckJobs } from "~/services/maintenance.server";
import { createShoot } from "~/services/shoots/create.server";
import { claimJob, completeJob, failJob } from "~/services/shoots/job-state.server";
import { createLocalStorage } from "~/services/storage/local.server";
import { StorageNotFoundError } from "~/services/storage/storage.server";
import { makeShop, useTestDb } from "../support/db";

const h = useTestDb(2);
const root = mkdtempSync(path.join(tmpdir(), "atelier-cleanup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const storage = createLocalStorage({ driver: "local", root, appUrl: "http://127.0.0.1:9", signingSecret: "s".repeat(40) });
const DAY = 86_400_000;

async function asset(shopId: string, status: string, productId = "gid://shopify/Product/1") {
  const p = `${shopId}/${randomUUID()}.jpg`;
  await storage.put("uploads", p, Buffer.from("x"), { contentType: "image/jpeg" });
  return h.prisma.asset.create({ data: { shopId, kind: "upload", source: "shopify", bucket: "uploads", path: p, productId, mimeType: "image/jpeg", byteSize: 1n, status } });
}

describe("maintenance", () => {
  it("deletes stale photos after 30 days with their files, but not ones a job used or active ones", async () => {
    const shop = await makeShop(h);
    await grantPurchase(h.prisma, shop.id, { credits: 5, key: `p-${shop.id}` });
    const unused = await asset(shop.id, "stale");
    const active = await asset(shop.id, "active", "gid://shopify/Product/2");
    const used = await asset(shop.id, "active", "gid://shopify/Product/3");
    await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds: ["gid://shopify/Product/3"], options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } });
    await h.prisma.asset.update({ where: { id: used.id }, data: { status: "orphaned" } });
    const later = new Date(Date.now() + 31 * DAY);
    expect(await deleteUnusedAssets(h.prisma, storage, later)).toBe(1);
    expect(await h.prisma.asset.findUnique({ where: { id: unused.id } })).toBeNull();
    await expect(storage.get("uploads", unused.path)).rejects.toBeInstanceOf(StorageNotFoundError);
    expect(await h.prisma.asset.findUnique({ where: { id: active.id } })).not.toBeNull();
    expect(await h.prisma.asset.findUnique({ where: { id: used.id } })).not.toBeNull();
    expect(await deleteUnusedAssets(h.prisma, storage, new Date())).toBe(0);
  });

  it("fails and refunds jobs stuck in processing, once, and prunes old events", async () => {
    const shop = await makeShop(h);
    await grantPurchase(h.prisma, shop.id, { credits: 5, key: `p-${shop.id}` });
    await asset(shop.id, "active", "gid://shopify/Product/9");
    const s = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds: ["gid://shopify/Product/9"], options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } });
    await claimJob(h.prisma, shop.id, s.jobIds[0]!, { provider: "studio", model: "studio-compositor" });
    expect(await failStuckJobs(h.prisma, 60_000)).toBe(0);
    const later = new Date(Date.now() + 3_600_000);
    expect(await failStuckJobs(h.prisma, 60_000, later)).toBe(1);
    expect(await failStuckJobs(h.prisma, 60_000, later)).toBe(0);
    expect(await getBalance(h.prisma, shop.id)).toBe(5);
    expect(await deleteOldJobEvents(h.prisma, new Date(Date.now() + 91 * DAY))).toBeGreaterThanOrEqual(3);
    expect(await h.prisma.jobEvent.count({ where: { jobId: s.jobIds[0] } })).toBe(0);
  });

  it("deletes the output files of jobs that ended failed after an attempt stored one, and keeps completed jobs' outputs", async () => {
    const shop = await makeShop(h);
    await grantPurchase(h.prisma, shop.id, { credits: 5, key: `p-${shop.id}` });
    await asset(shop.id, "active", "gid://shopify/Product/11");
    await asset(shop.id, "active", "gid://shopify/Product/12");
    const s = await createShoot(h.prisma, shop.id, {
      clientKey: randomUUID(),
      productIds: ["gid://shopify/Product/11", "gid://shopify/Product/12"],
      options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" },
    });
    const [kept, lost] = s.jobIds as [string, string];
    for (const id of s.jobIds) {
      await claimJob(h.prisma, shop.id, id, { provider: "studio", model: "studio-compositor" });
      await storage.put("outputs", `${shop.id}/${id}/v1.jpg`, Buffer.from("jpeg"), { contentType: "image/jpeg", upsert: true });
    }
    const output = { bucket: "outputs", path: `${shop.id}/${kept}/v1.jpg`, mimeType: "image/jpeg", byteSize: 4, width: 1, height: 1, sha256: "0".repeat(64), productId: null };
    expect(await completeJob(h.prisma, shop.id, kept, output)).toBe(true);
    // The other attempt stored its file, then the job failed before it could complete.
    await failJob(h.prisma, shop.id, lost, { code: "provider_error", message: "failed after storing" });

    expect(await deleteOrphanOutputs(h.prisma, storage)).toBe(1);
    await expect(storage.get("outputs", `${shop.id}/${lost}/v1.jpg`)).rejects.toBeInstanceOf(StorageNotFoundError);
    expect((await storage.get("outputs", `${shop.id}/${kept}/v1.jpg`)).toString()).toBe("jpeg");
    expect(await deleteOrphanOutputs(h.prisma, storage)).toBe(0);
    // Jobs that ended long before the window are not looked at again.
    await storage.put("outputs", `${shop.id}/${lost}/v1.jpg`, Buffer.from("late"), { contentType: "image/jpeg", upsert: true });
    expect(await deleteOrphanOutputs(h.prisma, storage, new Date(Date.now() + 3 * DAY))).toBe(0);
  });
});
