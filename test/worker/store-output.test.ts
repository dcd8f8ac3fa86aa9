import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { grantPurchase } from "~/services/credits/operations.server";
import { createShoot } from "~/services/shoots/create.server";
import { claimJob, failJob, type ClaimedJob } from "~/services/shoots/job-state.server";
import { createLocalStorage } from "~/services/storage/local.server";
import { storeOutput } from "../../worker/generate-output";
import { makeShop, useTestDb } from "../support/db";

// An attempt that loses the race to complete its job: what happens to the file it stored.

const h = useTestDb(2);
const root = mkdtempSync(path.join(tmpdir(), "atelier-store-output-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const storage = createLocalStorage({ driver: "local", root, appUrl: "http://127.0.0.1:9", signingSecret: "s".repeat(40) });
const deps = { db: h.prisma, storage, fidelityGate: false };

async function claimedJobs(n: number): Promise<ClaimedJob[]> {
  const shop = await makeShop(h);
  await grantPurchase(h.prisma, shop.id, { credits: n, key: `p-${shop.id}` });
  const productIds = Array.from({ length: n }, (_, i) => `gid://shopify/Product/${100 + i}`);
  for (const productId of productIds) {
    const p = `${shop.id}/${randomUUID()}.jpg`;
    await storage.put("uploads", p, Buffer.from("x"), { contentType: "image/jpeg" });
    await h.prisma.asset.create({ data: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path: p, productId, mimeType: "image/jpeg", byteSize: 1n, status: "active" } });
  }
  const s = await createShoot(h.prisma, shop.id, {
    clientKey: randomUUID(),
    productIds,
    options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" },
  });
  const rows: ClaimedJob[] = [];
  for (const id of s.jobIds) rows.push((await claimJob(h.prisma, shop.id, id, { provider: "studio", model: "studio-compositor" })) as ClaimedJob);
  return rows;
}

const photo = (colour: string) => sharp({ create: { width: 40, height: 60, channels: 3, background: colour } }).jpeg().toBuffer();
const outputFiles = async (job: ClaimedJob) => (await storage.list("outputs", `${job.shopId}/${job.id}/`)).length;

describe("storing a provider's output", () => {
  it("completes the job with its file, and a late second attempt leaves the completed job's file in place", async () => {
    const [job] = await claimedJobs(1);
    expect(await storeOutput(deps, job!, Buffer.from(""), { kind: "image", image: await photo("#224466"), mimeType: "image/jpeg" })).toBe(true);
    expect(await storeOutput(deps, job!, Buffer.from(""), { kind: "image", image: await photo("#224466"), mimeType: "image/jpeg" })).toBe(false);
    const asset = await h.prisma.asset.findFirstOrThrow({ where: { jobId: job!.id, kind: "output" } });
    expect((await storage.get("outputs", asset.path)).length).toBe(Number(asset.byteSize));
    expect(await outputFiles(job!)).toBe(1);
  });

  it("deletes the file it stored when the job was failed or cancelled meanwhile", async () => {
    const [failed, cancelled] = await claimedJobs(2);
    await failJob(h.prisma, failed!.shopId, failed!.id, { code: "provider_error", message: "failed by another attempt" });
    // A cancel of a job in flight at a provider that can stop it.
    await h.prisma.generationJob.update({ where: { id: cancelled!.id }, data: { status: "cancelled" } });
    for (const job of [failed!, cancelled!]) {
      expect(await storeOutput(deps, job, Buffer.from(""), { kind: "image", image: await photo("#884422"), mimeType: "image/jpeg" })).toBe(false);
      expect(await outputFiles(job)).toBe(0);
      expect(await h.prisma.asset.count({ where: { jobId: job.id, kind: "output" } })).toBe(0);
    }
  });
});
