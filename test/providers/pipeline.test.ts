import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Job, Worker } from "bullmq";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueGenerationJobs } from "~/lib/generate-queue.server";
import { grantPurchase } from "~/services/credits/operations.server";
import { getBalance } from "~/services/credits/queries.server";
import { verifyFashnWebhook } from "~/services/providers/fashn-webhook.server";
import { httpWorkerWebhookVerifier } from "~/services/providers/http-worker-webhook.server";
import { acceptProviderWebhook } from "~/services/providers/webhook-intake.server";
import { providerWebhookUrl } from "~/services/providers/webhook-token.server";
import { createShoot } from "~/services/shoots/create.server";
import { cancelJobs } from "~/services/shoots/job-state.server";
import { regenerateFree } from "~/services/shoots/regenerate.server";
import { createLocalStorage } from "~/services/storage/local.server";
import type { StandIn } from "../../dev/providers/common";
import { startFashnStandIn } from "../../dev/providers/fashn";
import { startHttpWorkerStandIn, type HttpWorkerStandIn } from "../../dev/providers/http-worker";
import { renderGarment } from "../../dev/shopify/images";
import { generateProcessor } from "../../worker/generate";
import { memoryProviderPauses } from "../../worker/provider-pauses";
import { fashnProvider } from "../../worker/providers/fashn";
import { httpWorkerProvider } from "../../worker/providers/http-worker";
import { makeQueue, redisConnection } from "../../worker/queues";
import { makeShop, useTestDb } from "../support/db";
import { addProductPhoto } from "../support/photos";

// The generate pipeline against provider stand-ins over real HTTP: submit, check by
// polling or webhook, copy the output, the fidelity gate, pauses, cancel in flight.

const h = useTestDb(8);
const root = mkdtempSync(path.join(tmpdir(), "atelier-providers-"));
const storage = createLocalStorage({ driver: "local", root, appUrl: "http://127.0.0.1:9", signingSecret: "s".repeat(40) });
const options = { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: "standard" } as const;
const SECRET = "pipeline-test-webhook-secret";
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const prefix = `${process.env.REDIS_PREFIX}-providers`;
const connection = redisConnection(redisUrl);
const queue = makeQueue("generate", connection, prefix);
const pauses = memoryProviderPauses();

let fashn: StandIn;
let gpu: HttpWorkerStandIn;
let hooks: Server;
let hooksUrl = "";
let worker: Worker;
/** Check delay: long, so a test that finishes fast proves the webhook woke the job. */
let firstCheckMs = 200;
let useWebhooks = false;
let route: { provider: string; model: string } = { provider: "fashn", model: "product-to-model" };

const wake = async (ids: string[]) => {
  for (const id of ids) {
    const job = await Job.fromId(queue, id);
    if (job && (await job.isDelayed())) await job.promote();
  }
};
const intakeAnswers: { status: number; body: unknown }[] = [];

beforeAll(async () => {
  fashn = await startFashnStandIn({ apiKey: "fa-test-key-123456", latencyMs: 300 });
  gpu = await startHttpWorkerStandIn({ token: "gpu-token-123456", secret: "gpu-callback-secret-123456", latencyMs: 300 });
  const gpuVerifier = httpWorkerWebhookVerifier({ secret: "gpu-callback-secret-123456" });
  hooks = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", hooksUrl);
      const provider = url.pathname.split("/").pop() ?? "";
      const headers = new Headers(Object.entries(req.headers).flatMap(([k, v]) => (typeof v === "string" ? [[k, v] as [string, string]] : [])));
      void acceptProviderWebhook(
        { db: h.prisma, secret: SECRET, wake, verifiers: { fashn: async (w) => verifyFashnWebhook(w), http: (w) => gpuVerifier.verify(w) } },
        provider,
        url,
        { body: Buffer.concat(chunks).toString("utf8"), headers },
      ).then((answer) => {
        intakeAnswers.push(answer);
        res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
      });
    });
  });
  await new Promise<void>((r) => hooks.listen(0, "127.0.0.1", r));
  hooksUrl = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
  const providers = new Map([
    ["fashn", fashnProvider({ apiKey: "fa-test-key-123456", baseUrl: fashn.url, timeoutMs: 2_000 })],
    ["http", httpWorkerProvider({ baseUrl: gpu.url, token: "gpu-token-123456" })],
  ]);
  worker = new Worker(
    "generate",
    async (job, token) =>
      generateProcessor({
        db: h.prisma,
        storage,
        log: pino({ level: "silent" }),
        providers,
        route: () => route,
        pauses,
        pauseMs: 1_500,
        fetchPolicy: { allowHttp: true, allowedOrigins: [fashn.url, gpu.url] },
        webhookUrl: useWebhooks ? (provider, jobId) => providerWebhookUrl(hooksUrl, SECRET, provider, jobId) : undefined,
        checkDelayMs: { first: firstCheckMs, max: firstCheckMs },
        providerConcurrency: 8,
        timeoutMs: 20_000,
      })(job, token),
    { connection: redisConnection(redisUrl), prefix, concurrency: 4 },
  );
});

afterAll(async () => {
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  connection.disconnect();
  await Promise.all([fashn.close(), gpu.close(), new Promise((r) => hooks.close(r))]);
  rmSync(root, { recursive: true, force: true });
});

async function shoot(products: number, credits = 20) {
  const shop = await makeShop(h);
  await grantPurchase(h.prisma, shop.id, { credits, key: `p-${shop.id}` });
  const productIds: string[] = [];
  for (let i = 0; i < products; i++) {
    const productId = `gid://shopify/Product/${7000 + i}`;
    const bytes = await renderGarment({ garment: "tee", colour: "Navy", pattern: "solid", view: "front" });
    await addProductPhoto(h, storage, { shopId: shop.id, productId, bytes, width: 800, height: 800 });
    productIds.push(productId);
  }
  const created = await createShoot(h.prisma, shop.id, { clientKey: randomUUID(), productIds, options });
  return { shop, ...created };
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const jobRows = (batchId: string) => h.prisma.generationJob.findMany({ where: { batchId }, orderBy: { variation: "asc" } });
const settled = (rows: { status: string }[]) => rows.every((r) => ["completed", "failed", "cancelled"].includes(r.status));

describe("a provider behind the pipeline", () => {
  it("submits, polls until done, copies the output into storage and records the provider's id and model", async () => {
    route = { provider: "fashn", model: "product-to-model" };
    const s = await shoot(1);
    await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds);
    const [row] = await until(() => jobRows(s.batchId), settled);
    expect(row).toMatchObject({ status: "completed", provider: "fashn", providerModel: "product-to-model", needsReview: false });
    expect(row!.providerJobId).toBeTruthy();
    const output = await h.prisma.asset.findFirstOrThrow({ where: { jobId: row!.id, kind: "output" } });
    expect(output.path).toBe(`${s.shop.id}/${row!.id}/v1.jpg`);
    expect((await storage.get("outputs", output.path)).length).toBe(Number(output.byteSize));
    expect(row!.fidelity).toMatchObject({ passed: true });
  });

  it("finishes on the provider's webhook long before the next scheduled check, and ignores a repeat", async () => {
    route = { provider: "fashn", model: "product-to-model" };
    firstCheckMs = 60_000;
    useWebhooks = true;
    try {
      const s = await shoot(1);
      const started = Date.now();
      await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds);
      const [row] = await until(() => jobRows(s.batchId), settled, 20_000);
      expect(row!.status).toBe("completed");
      expect(Date.now() - started).toBeLessThan(20_000);
      await fashn.settle();
      // Redeliver the same webhook: the job is finished, so it is ignored.
      const url = providerWebhookUrl(hooksUrl, SECRET, "fashn", row!.id);
      const again = await fetch(url, { method: "POST", body: JSON.stringify({ id: row!.providerJobId, status: "completed", output: [], error: null }) });
      expect(await again.json()).toMatchObject({ ok: true, ignored: "the job is already finished" });
      expect(await h.prisma.asset.count({ where: { jobId: row!.id, kind: "output" } })).toBe(1);
    } finally {
      firstCheckMs = 200;
      useWebhooks = false;
    }
  });

  it("refuses a webhook with a forged token and ignores one naming another job's request", async () => {
    const jobId = randomUUID();
    const forged = await fetch(`${hooksUrl}/webhooks/providers/fashn?job=${jobId}&token=${"x".repeat(43)}`, { method: "POST", body: "{}" });
    expect(forged.status).toBe(401);
    const s = await shoot(1);
    const unknown = await fetch(providerWebhookUrl(hooksUrl, SECRET, "fashn", s.jobIds[0]!), {
      method: "POST",
      body: JSON.stringify({ id: "someone-elses-prediction", status: "completed", output: ["http://evil.example/x.jpg"], error: null }),
    });
    expect(unknown.status).toBe(200);
    expect(await unknown.json()).toMatchObject({ ignored: "no job of ours is waiting on this request" });
    expect((await jobRows(s.batchId))[0]!.status).toBe("pending");
  });

  it("covers a lost webhook by polling", async () => {
    route = { provider: "fashn", model: "product-to-model" };
    useWebhooks = true;
    try {
      fashn.script("no_webhook");
      const s = await shoot(1);
      await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds);
      const [row] = await until(() => jobRows(s.batchId), settled);
      expect(row!.status).toBe("completed");
    } finally {
      useWebhooks = false;
    }
  });

  it("fails a refused photo at once and refunds it exactly once", async () => {
    fashn.script("content_refused");
    const s = await shoot(1, 5);
    await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds);
    const [row] = await until(() => jobRows(s.batchId), settled);
    expect(row).toMatchObject({ status: "failed", attempts: 1, errorCode: "content_refused" });
    expect(await getBalance(h.prisma, s.shop.id)).toBe(5);
    expect(await h.prisma.creditLedgerEntry.count({ where: { jobId: row!.id, txType: "refund" } })).toBe(1);
  });

  it("waits out a 429's Retry-After without spending an attempt, and retries a 500", async () => {
    fashn.script("rate_limited", "server_error");
    const s = await shoot(1);
    await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds, { backoffMs: 50 });
    const [row] = await until(() => jobRows(s.batchId), settled);
    expect(row!.status).toBe("completed");
    const events = await h.prisma.jobEvent.findMany({ where: { jobId: row!.id }, orderBy: { id: "asc" } });
    expect(events.filter((e) => e.event === "waiting").map((e) => e.detail)).toEqual([{ reason: "rate_limited" }]);
    expect(events.filter((e) => e.event === "retry")).toHaveLength(1);
    expect(row!.attempts).toBe(2);
  });

  it("shoots again when the output expired before it could be copied", async () => {
    fashn.script("expired_output");
    const s = await shoot(1);
    await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds, { backoffMs: 50 });
    const [row] = await until(() => jobRows(s.batchId), settled);
    expect(row).toMatchObject({ status: "completed", attempts: 2 });
    const retry = await h.prisma.jobEvent.findFirstOrThrow({ where: { jobId: row!.id, event: "retry" } });
    expect(retry.detail).toMatchObject({ code: "output_expired" });
  });

  it("pauses the provider on an account failure: the job waits instead of failing, then completes", async () => {
    fashn.script("out_of_credits");
    const s = await shoot(1, 5);
    await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds);
    await until(() => pauses.remainingMs("fashn"), (ms) => ms > 0, 10_000);
    const waiting = (await jobRows(s.batchId))[0]!;
    expect(["queued", "processing"]).toContain(waiting.status);
    expect(await h.prisma.creditLedgerEntry.count({ where: { jobId: waiting.id, txType: "refund" } })).toBe(0);
    const [row] = await until(() => jobRows(s.batchId), settled);
    expect(row!.status).toBe("completed");
    expect(await getBalance(h.prisma, s.shop.id)).toBe(4);
  });

  it("marks a photo whose garment changed colour for review, and regenerates it free once", async () => {
    fashn.script("recolour");
    const s = await shoot(1, 5);
    await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds);
    const [row] = await until(() => jobRows(s.batchId), settled);
    expect(row).toMatchObject({ status: "completed", needsReview: true });
    expect(row!.reviewReason).toMatch(/colour/i);
    expect(await getBalance(h.prisma, s.shop.id)).toBe(4);
    const next = await regenerateFree(h.prisma, s.shop.id, row!.id);
    expect(await getBalance(h.prisma, s.shop.id)).toBe(4); // refunded and charged again
    await expect(regenerateFree(h.prisma, s.shop.id, row!.id)).rejects.toThrow(/already regenerated/);
    await enqueueGenerationJobs(queue, h.prisma, s.shop.id, [next.jobId]);
    const redo = await until(() => h.prisma.generationJob.findUniqueOrThrow({ where: { id: next.jobId } }), (j) => j.status === "completed");
    expect(redo.needsReview).toBe(false);
  });

  it("cancels a photo in flight at a provider that supports it, and refunds it once", async () => {
    route = { provider: "http", model: "self-hosted" };
    try {
      gpu.script("stuck");
      const s = await shoot(1, 5);
      await enqueueGenerationJobs(queue, h.prisma, s.shop.id, s.jobIds);
      const jobId = s.jobIds[0]!;
      await until(() => h.prisma.generationJob.findUniqueOrThrow({ where: { id: jobId } }), (j) => j.providerJobId !== null);
      expect(await cancelJobs(h.prisma, s.shop.id, [jobId])).toEqual([jobId]);
      await wake([jobId]);
      await until(
        () => fetch(`${gpu.url}/v1/jobs/${jobId}`, { headers: { authorization: "Bearer gpu-token-123456" } }).then((r) => r.json() as Promise<{ status: string }>),
        (j) => j.status === "canceled",
      );
      const row = await until(() => h.prisma.generationJob.findUniqueOrThrow({ where: { id: jobId } }), (j) => j.providerJobId === null);
      expect(row.status).toBe("cancelled");
      expect(await getBalance(h.prisma, s.shop.id)).toBe(5);
      expect(await h.prisma.asset.count({ where: { jobId, kind: "output" } })).toBe(0);
    } finally {
      route = { provider: "fashn", model: "product-to-model" };
    }
  });
});
