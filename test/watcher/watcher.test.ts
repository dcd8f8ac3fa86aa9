import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { grantPurchase } from "~/services/credits/operations.server";
import { getBalance } from "~/services/credits/queries.server";
import { saveLook } from "~/services/shoots/looks.server";
import { createLocalStorage } from "~/services/storage/local.server";
import { decideDraft, runApprovedDrafts, watchProductChange } from "~/services/watcher/watcher.server";
import { makeShop, useTestDb } from "../support/db";
import { addProductPhoto } from "../support/photos";

const h = useTestDb(12);
const root = mkdtempSync(path.join(tmpdir(), "atelier-watcher-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const storage = createLocalStorage({ driver: "local", root, appUrl: "http://127.0.0.1:9", signingSecret: "s".repeat(40) });
const since = "2026-11-01T00:00:00.000Z";
const options = { modelPreset: "fashion_model_v1", posePreset: "walking", scenePreset: "street", generationType: "standard", variations: 1 } as const;

let mediaSeq = 1;
function productEvent(productNumber: number, media: { id?: number; createdAt?: string }[]) {
  return {
    id: productNumber,
    admin_graphql_api_id: `gid://shopify/Product/${productNumber}`,
    media: media.map((m) => ({
      admin_graphql_api_id: `gid://shopify/MediaImage/${m.id ?? mediaSeq++}`,
      media_content_type: "IMAGE",
      created_at: m.createdAt ?? "2026-11-20T10:00:00.000Z",
    })),
  };
}

async function watchingShop(p: { budget: number; autoRun: boolean; credits?: number }) {
  const shop = await makeShop(h, { label: "watch" });
  const look = await saveLook(h.prisma, shop.id, { name: "Street", options });
  await h.prisma.shop.update({
    where: { id: shop.id },
    data: { settings: { watchCatalog: true, watchSince: since, watcherLookId: look.id, watcherMonthlyBudget: p.budget, watcherAutoRun: p.autoRun } },
  });
  if (p.credits) await grantPurchase(h.prisma, shop.id, { credits: p.credits, key: `w-${shop.id}` });
  return shop;
}

async function withPhoto(shopId: string, productNumber: number) {
  await addProductPhoto(h, storage, { shopId, productId: `gid://shopify/Product/${productNumber}`, bytes: Buffer.from("jpeg") });
}

describe("the catalog watcher", () => {
  it("does nothing when off, and ignores photos from before it was turned on", async () => {
    const off = await makeShop(h);
    expect(await watchProductChange(h.prisma, off.id, productEvent(1, [{}]))).toEqual({ importProductIds: [], drafts: 0 });
    const shop = await watchingShop({ budget: 10, autoRun: false });
    expect((await watchProductChange(h.prisma, shop.id, productEvent(2, [{ createdAt: "2026-10-01T00:00:00Z" }]))).drafts).toBe(0);
    expect(await h.prisma.watcherDraft.count({ where: { shopId: { in: [off.id, shop.id] } } })).toBe(0);
  });

  it("makes one draft per new photo, once, and one per product while a draft is open", async () => {
    const shop = await watchingShop({ budget: 10, autoRun: false });
    const created = productEvent(10, [{ id: 9001 }, { id: 9002 }]);
    expect(await watchProductChange(h.prisma, shop.id, created)).toEqual({ importProductIds: ["gid://shopify/Product/10"], drafts: 1 });
    // Redelivered, or an update naming the same photos: nothing new.
    expect((await watchProductChange(h.prisma, shop.id, created)).drafts).toBe(0);
    // A third photo while the draft waits: seen, no second draft.
    expect((await watchProductChange(h.prisma, shop.id, productEvent(10, [{ id: 9001 }, { id: 9002 }, { id: 9003 }]))).drafts).toBe(0);
    const rows = await h.prisma.watcherDraft.findMany({ where: { shopId: shop.id }, orderBy: { mediaId: "asc" } });
    expect(rows.map((r) => [r.mediaId.split("/").pop(), r.status])).toEqual([
      ["9001", "draft"],
      ["9002", "seen"],
      ["9003", "seen"],
    ]);
    // The app's own published photo on the product is not a new photo.
    await withPhoto(shop.id, 10);
    const draft = rows[0]!;
    expect(await decideDraft(h.prisma, shop.id, draft.id, "rejected")).toBe(true);
    expect(await decideDraft(h.prisma, shop.id, draft.id, "approved")).toBe(false);
  });

  it("waits for the merchant's approval, then shoots once the photo is imported", async () => {
    const shop = await watchingShop({ budget: 10, autoRun: false, credits: 10 });
    await watchProductChange(h.prisma, shop.id, productEvent(20, [{}]));
    const draft = await h.prisma.watcherDraft.findFirstOrThrow({ where: { shopId: shop.id } });
    expect(await runApprovedDrafts(h.prisma, { shopId: shop.id })).toEqual([]);
    expect(await decideDraft(h.prisma, shop.id, draft.id, "approved")).toBe(true);
    // The photo is not in Atelier yet: it waits.
    expect((await runApprovedDrafts(h.prisma, { shopId: shop.id })).map((r) => r.outcome)).toEqual(["waiting"]);
    await withPhoto(shop.id, 20);
    const [run] = await runApprovedDrafts(h.prisma, { shopId: shop.id });
    expect(run).toMatchObject({ outcome: "shot", jobIds: [expect.any(String)] });
    const batch = await h.prisma.generationBatch.findUniqueOrThrow({ where: { id: run!.batchId! } });
    expect(batch).toMatchObject({ source: "watcher", costCredits: 1, params: expect.objectContaining({ posePreset: "walking", scenePreset: "street" }) });
    expect(await getBalance(h.prisma, shop.id)).toBe(9);
    expect(await runApprovedDrafts(h.prisma, { shopId: shop.id })).toEqual([]);
  });

  it("never spends more than the monthly budget, whatever runs at once", async () => {
    const shop = await watchingShop({ budget: 3, autoRun: true, credits: 50 });
    // Eight products get new photos at the same moment; auto-run approves them all.
    await Promise.all(Array.from({ length: 8 }, (_, i) => watchProductChange(h.prisma, shop.id, productEvent(100 + i, [{}]))));
    for (let i = 0; i < 8; i++) await withPhoto(shop.id, 100 + i);
    expect(await h.prisma.watcherDraft.count({ where: { shopId: shop.id, status: "approved" } })).toBe(8);
    // Four sweepers at once (several worker processes).
    const runs = (await Promise.all(Array.from({ length: 4 }, () => runApprovedDrafts(h.prisma, { shopId: shop.id })))).flat();
    // A draft two sweepers reach at once is one shoot (its client key), reported by both.
    const shot = new Set(runs.filter((r) => r.outcome === "shot").map((r) => r.batchId));
    expect(shot.size).toBe(3);
    const spent = await h.prisma.generationBatch.aggregate({ where: { shopId: shop.id, source: "watcher" }, _sum: { costCredits: true } });
    expect(spent._sum.costCredits).toBe(3);
    expect(await getBalance(h.prisma, shop.id)).toBe(47);
    const statuses = await h.prisma.watcherDraft.groupBy({ by: ["status"], where: { shopId: shop.id }, _count: true });
    expect(Object.fromEntries(statuses.map((s) => [s.status, s._count]))).toEqual({ shot: 3, over_budget: 5 });
    const over = await h.prisma.watcherDraft.findFirstOrThrow({ where: { shopId: shop.id, status: "over_budget" } });
    expect(over.reason).toMatch(/monthly budget: 3 of 3 credits spent/);
  });

  it("turning the watcher off stops new drafts", async () => {
    const shop = await watchingShop({ budget: 10, autoRun: false });
    await h.prisma.shop.update({ where: { id: shop.id }, data: { settings: { watchCatalog: false } } });
    expect((await watchProductChange(h.prisma, shop.id, productEvent(30, [{}]))).drafts).toBe(0);
  });
});
