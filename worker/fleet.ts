import { Worker } from "bullmq";
import pino, { type Logger } from "pino";
import { fetchPolicyOf, importDeps } from "../app/services/catalog/import-deps.server";
import { deleteOldJobEvents, deleteOrphanOutputs, deleteUnusedAssets, failStuckJobs } from "../app/services/maintenance.server";
import { createPrisma, type PrismaHandle } from "../app/services/prisma.server";
import { createStorage } from "../app/services/storage/config.server";
import { enqueueGenerationJobs, recoverLostJobs, sweepPendingJobs } from "../app/lib/generate-queue.server";
import { runApprovedDrafts } from "../app/services/watcher/watcher.server";
import { enqueuePublications, sweepPublications } from "../app/lib/publish-queue.server";
import { autoPublish } from "../app/services/publish/auto-publish.server";
import { generateProcessor } from "./generate";
import { MAX_STALLED_COUNT, settleGivenUpJob } from "./given-up";
import { importProcessor } from "./import";
import { publishProcessor } from "./publish";
import { providerWebhookUrl } from "../app/services/providers/webhook-token.server";
import { redisProviderPauses } from "./provider-pauses";
import { configuredProviders, routerFromEnv } from "./providers/registry";
import type { WorkerEnv } from "./env.server";
import { maintenanceProcessor } from "./maintenance";
import { makeQueue, redisConnection, type QueueName } from "./queues";

export interface Fleet {
  workers: Worker[];
  db: PrismaHandle;
  log: Logger;
  close(): Promise<void>;
}

/**
 * Starts a worker for each configured queue that has a processor in this version,
 * and schedules the recurring maintenance jobs.
 */
export async function startFleet(
  env: WorkerEnv,
  log: Logger = pino({ name: "atelier-worker", level: env.LOG_LEVEL }),
  source: Record<string, string | undefined> = process.env,
): Promise<Fleet> {
  const db = createPrisma(env.DATABASE_URL, env.DATABASE_POOL_SIZE);
  const connection = redisConnection(env.REDIS_URL);
  const storage = createStorage(source);
  const fetchPolicy = fetchPolicyOf(env);
  const generateQueue = makeQueue("generate", connection, env.REDIS_PREFIX);
  const publishQueue = makeQueue("publish", connection, env.REDIS_PREFIX);
  const providers = configuredProviders(env);
  const router = routerFromEnv(env, providers, log);
  if (env.WORKER_QUEUES.includes("generate")) await generateQueue.setGlobalConcurrency(env.PROVIDER_CONCURRENCY);
  const processors: Partial<Record<QueueName, ConstructorParameters<typeof Worker>[1]>> = {
    maintenance: maintenanceProcessor(db.prisma, log, {
      sweepPending: async () => {
        // The watcher's approved drafts whose photo has arrived become shoots.
        const shot = (await runApprovedDrafts(db.prisma)).filter((r) => r.outcome === "shot");
        for (const r of shot) await enqueueGenerationJobs(generateQueue, db.prisma, r.shopId, r.jobIds ?? []);
        const recovered = await recoverLostJobs(generateQueue, db.prisma);
        if (recovered.requeued + recovered.failed > 0) log.warn(recovered, "generate jobs the queue had lost were put back or failed and refunded");
        return (await sweepPendingJobs(generateQueue, db.prisma)) + (await sweepPublications(publishQueue, db.prisma)) + shot.length + recovered.requeued;
      },
      cleanup: async () => ({
        unusedAssets: await deleteUnusedAssets(db.prisma, storage),
        orphanOutputs: await deleteOrphanOutputs(db.prisma, storage),
        oldEvents: await deleteOldJobEvents(db.prisma),
        // Well past the generate timeout plus every retry's backoff.
        stuckJobs: await failStuckJobs(db.prisma, env.GENERATE_TIMEOUT_MS * 3),
      }),
    }),
    generate: generateProcessor({
      db: db.prisma,
      storage,
      log,
      providers,
      route: (job) => {
        const m = router.resolve(job);
        return { provider: m.provider, model: m.model };
      },
      pauses: redisProviderPauses(connection, env.REDIS_PREFIX),
      pauseMs: env.PROVIDER_PAUSE_MS,
      fetchPolicy,
      webhookUrl: env.PROVIDER_WEBHOOK_BASE_URL
        ? (provider, jobId) => providerWebhookUrl(env.PROVIDER_WEBHOOK_BASE_URL!, env.PROVIDER_WEBHOOK_SECRET, provider, jobId)
        : undefined,
      timeoutMs: env.GENERATE_TIMEOUT_MS,
      providerConcurrency: env.PROVIDER_CONCURRENCY,
      onCompleted: async (shopId, jobId) => {
        const ids = await autoPublish(db.prisma, shopId, jobId);
        await enqueuePublications(publishQueue, ids.map((id) => ({ id, shopId })));
      },
    }),
    publish: publishProcessor({ db: db.prisma, storage, log }),
    import: importProcessor({ ...importDeps(db.prisma, storage, fetchPolicy), log }),
  };
  const concurrency: Partial<Record<QueueName, number>> = {
    import: env.IMPORT_CONCURRENCY,
    generate: env.GENERATE_CONCURRENCY,
    publish: env.PUBLISH_CONCURRENCY,
  };
  const workers: Worker[] = [];
  for (const name of env.WORKER_QUEUES) {
    const processor = processors[name];
    if (!processor) continue;
    const worker = new Worker(name, processor, {
      connection: redisConnection(env.REDIS_URL),
      prefix: env.REDIS_PREFIX,
      concurrency: concurrency[name] ?? 1,
      lockDuration: env.WORKER_LOCK_MS,
      stalledInterval: env.WORKER_LOCK_MS,
      // Every processor resumes a stalled job safely (a claim takes `processing` jobs back),
      // so a job whose workers died under it a few times is retaken rather than given up.
      maxStalledCount: MAX_STALLED_COUNT,
    });
    worker.on("failed", (job, err) => {
      log.error({ queue: name, jobId: job?.id, err }, "job failed");
      if (name === "generate" && job) void settleGivenUpJob(db.prisma, job, log);
    });
    worker.on("error", (err) => log.error({ queue: name, err }, "worker error"));
    workers.push(worker);
  }
  if (env.WORKER_QUEUES.includes("maintenance")) {
    const queue = makeQueue("maintenance", connection, env.REDIS_PREFIX);
    await queue.upsertJobScheduler(
      "reconcile-ledger",
      { every: env.LEDGER_RECONCILE_EVERY_MS },
      { name: "reconcile-ledger", data: { task: "reconcile-ledger" } },
    );
    await queue.upsertJobScheduler("cleanup", { every: 60 * 60_000 }, { name: "cleanup", data: { task: "cleanup" } });
    await queue.upsertJobScheduler(
      "sweep-pending",
      { every: env.PENDING_SWEEP_EVERY_MS },
      { name: "sweep-pending", data: { task: "sweep-pending" } },
    );
    await queue.close();
  }
  log.info({ queues: workers.map((w) => w.name) }, "worker fleet started");
  return {
    workers,
    db,
    log,
    async close() {
      // Let running jobs finish; BullMQ re-queues whatever a killed process held.
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(workers.map((w) => w.disconnect()));
      await generateQueue.close();
      await publishQueue.close();
      connection.disconnect();
      await db.close();
    },
  };
}
