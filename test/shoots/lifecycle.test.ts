import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { enqueueGenerationJobs, sweepPendingJobs } from "~/lib/generate-queue.server";
import { grantPurchase } from "~/services/credits/operations.server";
import { getBalance } from "~/services/credits/queries.server";
import { createShoot } from "~/services/shoots/create.server";
import { cancelJobs } from "~/services/shoots/job-state.server";
import { createLocalStorage } from "~/services/storage/local.server";
import { renderGarment } from "../../dev/shopify/images";
import { parseWorkerEnv } from "../../worker/env.server";
import { startFleet } from "../../worker/fleet";
import { makeShop, useTestDb } from "../support/db";
import { useGenerateQueue } from "../support/generate-queue";
import { addProductPhoto } from "../support/photos";

const h = useTestDb(6);
const root = mkdtempSync(path.join(tmpdir(), "atelier-lifecycle-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const storage = createLocalStorage({ driver: "local", root, appUrl: "http://127.0.0.1:9", signingSecret: "s".repeat(40) });
const options = { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "hd" } as const;
const { queue } = useGenerateQueue();

async function shoot(products: number, credits: number) {
  const shop = await makeShop(h);
  await grantPurchase(h.prisma, shop.id, { credits, key: `p-${shop.id}` });
  const productIds: string[] = [];
  for (let i = 0; i < products; i++) {
    const bytes = await renderGarment({ garment: "tee", colour: "Navy", pattern: "dots", view: "front" });
    const productId = `gid://shopify/Product/${7000 + i}`;
    await addProductPhoto(h, storage, { shopId: shop.id, productId, bytes });
    productIds.push(productId);
  }
  const created = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds, options });
  return { shop, ...created };
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("shoot lifecycle", () => {
  it("cancels jobs that have not started and refunds each once", async () => {
    const s = await shoot(3, 10);
    expect(await getBalance(h.prisma, s.shop.id)).toBe(4);
    const first = await cancelJobs(h.prisma, s.shop.id, s.jobIds);
    const again = await cancelJobs(h.prisma, s.shop.id, s.jobIds);
    expect(first).toHaveLength(3);
    expect(again).toHaveLength(0);
    expect(await getBalance(h.prisma, s.shop.id)).toBe(10);
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: s.shop.id, txType: "refund" } })).toBe(3);
  });

  it("enqueues jobs left pending (Redis was down at submit) through the sweeper", async () => {
    const s = await shoot(2, 10);
    expect(await sweepPendingJobs(queue, h.prisma, 60_000)).toBe(0);
    const swept = await sweepPendingJobs(queue, h.prisma, 0);
    expect(swept).toBeGreaterThanOrEqual(2);
    const rows = await h.prisma.generationJob.findMany({ where: { id: { in: s.jobIds } } });
    expect(rows.every((r) => r.status === "queued")).toBe(true);
    const waiting = await queue.getJobs(["prioritized", "waiting"]);
    expect(s.jobIds.every((id) => waiting.some((j) => j.id === id))).toBe(true);
    await queue.obliterate({ force: true });
  });

  it("finishes a job whose worker was killed mid-render on another worker, once, without refunds", { timeout: 120_000 }, async () => {
    const s = await shoot(3, 10);
    const env = { ...process.env, WORKER_QUEUES: "generate", GENERATE_CONCURRENCY: "1", WORKER_LOCK_MS: "1500", LOCAL_STORAGE_DIR: root, LOG_LEVEL: "silent" };
    // node itself (not the tsx wrapper), so SIGKILL really kills the worker.
    const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], { env, stdio: "ignore" });
    await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds, { backoffMs: 10 });
    // Kill the worker process the moment it is rendering a photo.
    await until(() => h.prisma.generationJob.count({ where: { id: { in: s.jobIds }, status: "processing" } }), (n) => n > 0, 30_000);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));

    const fleet = await startFleet(parseWorkerEnv(env), pino({ level: "silent" }), env);
    try {
      await until(() => h.prisma.generationJob.findMany({ where: { id: { in: s.jobIds } }, select: { status: true } }), (rows) => rows.every((r) => r.status === "completed"), 90_000);
    } finally {
      await fleet.close();
    }
    // The killed attempt shows as a second claim of the same job.
    const claims = await h.prisma.jobEvent.groupBy({ by: ["jobId"], where: { jobId: { in: s.jobIds }, event: "processing" }, _count: true });
    expect(claims.some((c) => c._count >= 2)).toBe(true);
    const outputs = await h.prisma.asset.findMany({ where: { shopId: s.shop.id, kind: "output" } });
    expect(outputs).toHaveLength(3);
    expect(new Set(outputs.map((o) => o.jobId)).size).toBe(3);
    expect(await h.prisma.creditLedgerEntry.count({ where: { shopId: s.shop.id, txType: "refund" } })).toBe(0);
    expect(await getBalance(h.prisma, s.shop.id)).toBe(4);
  });

  it("finishes in-flight work on SIGTERM before the worker exits", { timeout: 120_000 }, async () => {
    const s = await shoot(2, 10);
    const env = { ...process.env, WORKER_QUEUES: "generate", GENERATE_CONCURRENCY: "2", LOCAL_STORAGE_DIR: root, LOG_LEVEL: "silent" };
    const child = spawn(process.execPath, ["--import", "tsx", "worker/index.ts"], { env, stdio: "ignore" });
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds, { backoffMs: 10 });
    await until(() => h.prisma.generationJob.count({ where: { id: { in: s.jobIds }, status: "processing" } }), (n) => n > 0, 30_000);
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const rows = await h.prisma.generationJob.findMany({ where: { id: { in: s.jobIds } }, select: { status: true } });
    // What was rendering when the signal came finished; nothing was left half-done.
    expect(rows.filter((r) => r.status === "processing")).toHaveLength(0);
    expect(rows.some((r) => r.status === "completed")).toBe(true);
    await queue.obliterate({ force: true });
  });
});
