// One soak run: its own database, its own redis-server, the simulated Shopify shop and
// the fal stand-in (with its fault mix) on loopback, the provider webhook intake, real
// worker processes, the shops' traffic and the faults, then the drain and the checks.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { PrismaClient } from "@prisma/client";
import { Job, type Queue } from "bullmq";
import { sweepPendingJobs } from "../app/lib/generate-queue.server";
import { sweepPublications } from "../app/lib/publish-queue.server";
import { deleteOrphanOutputs, failStuckJobs } from "../app/services/maintenance.server";
import { createPrisma } from "../app/services/prisma.server";
import { createLocalStorage } from "../app/services/storage/local.server";
import { startFalStandIn } from "../dev/providers/fal";
import { DEV_STANDIN_CREDENTIALS } from "../dev/providers/dev-config";
import { renderGarment } from "../dev/shopify/images";
import { startSimulator } from "../dev/shopify/server";
import { makeQueue, redisConnection } from "../worker/queues";
import { providerFaults, type SoakConfig } from "./config";
import { createSoakDatabase } from "./database";
import { runFaults } from "./faults";
import { checkInvariants, violationCount } from "./invariants";
import { LedgerModel } from "./model";
import { startPrivateRedis } from "./redis";
import { measureLatency, type SoakReport } from "./report";
import { runTraffic } from "./traffic";
import { freePort } from "../scripts/lib/net";
import { sleep, withTimeout } from "./util";
import { startWebhookIntake } from "./webhooks";
import { startWorkerPool } from "./workers";

const API_KEY = "atelier-dev-api-key";
const API_SECRET = "atelier-dev-api-secret-not-for-production";
const WEBHOOK_SECRET = "soak-provider-webhook-secret-0001";
/** Short, so hung and stuck provider requests are given up on within the run. */
const GENERATE_TIMEOUT_MS = 6_000;
/** A killed worker's jobs are retaken after about this long. */
const WORKER_LOCK_MS = 4_000;

export interface SoakOptions {
  baseDatabaseUrl: string;
  log?: (line: string) => void;
  /** Stops the run at once: worker processes, redis-server and the database are cleaned up, then `onStopped`. */
  signal?: AbortSignal;
  onStopped?: () => void;
}

/** Jobs and publications still moving, with their last events and queue state, to tell why. */
async function describeUnsettled(db: PrismaClient, generate: Queue): Promise<string[]> {
  const jobs = await db.generationJob.findMany({ where: { status: { in: ["pending", "queued", "processing"] } }, select: { id: true, status: true }, take: 10 });
  const lines: string[] = [];
  for (const j of jobs) {
    const events = await db.jobEvent.findMany({ where: { jobId: j.id }, orderBy: { id: "desc" }, take: 6, select: { event: true, detail: true, createdAt: true } });
    const queued = await withTimeout(Job.fromId(generate, j.id), 3_000).catch(() => undefined);
    const state = queued ? await withTimeout(queued.getState(), 3_000).catch(() => "?") : "not in the queue";
    const reason = queued?.failedReason ? ` (${queued.failedReason})` : "";
    lines.push(`job ${j.id} ${j.status}; queue: ${state}${reason}; events: ${events.reverse().map((e) => `${e.event}${(e.detail as { code?: string }).code ? `:${(e.detail as { code?: string }).code}` : ""}`).join(" → ")}`);
  }
  const pubs = await db.publication.findMany({ where: { status: { in: ["pending", "uploading", "processing"] } }, select: { id: true, status: true, leaseUntil: true }, take: 10 });
  for (const p of pubs) lines.push(`publication ${p.id} ${p.status}; lease until ${p.leaseUntil?.toISOString() ?? "none"}`);
  return lines;
}

export async function runSoak(config: SoakConfig, options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const dir = mkdtempSync(path.join(tmpdir(), "atelier-soak-"));
  const storageRoot = path.join(dir, "storage");
  const cleanups: (() => Promise<unknown>)[] = [];
  const previousSimulator = process.env.SHOPIFY_SIMULATOR_URL;
  let cleaning: Promise<void> | null = null;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const c of cleanups.reverse()) await c().catch((error: unknown) => log(`cleanup: ${String(error)}`));
      if (previousSimulator === undefined) delete process.env.SHOPIFY_SIMULATOR_URL;
      else process.env.SHOPIFY_SIMULATOR_URL = previousSimulator;
      if (!config.keep) rmSync(dir, { recursive: true, force: true });
    })());
  // Interrupted, the run must not leave worker processes or a redis-server behind.
  options.signal?.addEventListener("abort", () => void cleanUp().finally(() => options.onStopped?.()), { once: true });
  try {
    const database = await createSoakDatabase(options.baseDatabaseUrl);
    if (!config.keep) cleanups.push(() => database.drop());
    const redis = await startPrivateRedis(await freePort(), path.join(dir, "redis"));
    cleanups.push(() => redis.stop());
    const sim = await startSimulator({ appUrl: "http://127.0.0.1:9", apiKey: API_KEY, apiSecret: API_SECRET, products: 12, mediaProcessingMs: 200, seed: config.seed });
    cleanups.push(() => sim.close());
    // Shopify's libraries in this process reach the simulated shop through the fetch router.
    process.env.SHOPIFY_SIMULATOR_URL = sim.url;
    const stand = await startFalStandIn({
      apiKey: DEV_STANDIN_CREDENTIALS.falKey,
      latencyMs: config.providerLatencyMs,
      faults: providerFaults(config.seed),
      reuseOutputs: true,
    });
    cleanups.push(() => stand.close());
    const db = createPrisma(database.url, 8);
    cleanups.push(() => db.close());
    const connection = redisConnection(redis.url);
    connection.on("error", () => undefined);
    cleanups.push(async () => connection.disconnect());
    const generate = makeQueue("generate", connection, "soak");
    const publish = makeQueue("publish", connection, "soak");
    generate.on("error", () => undefined);
    publish.on("error", () => undefined);
    cleanups.push(() => Promise.all([generate.close(), publish.close()]).catch(() => undefined));
    const intake = await startWebhookIntake({ db: db.prisma, secret: WEBHOOK_SECRET, jwksUrl: `${stand.url}/.well-known/jwks.json`, queue: generate });
    cleanups.push(() => intake.close());

    const pool = startWorkerPool(
      config.workers,
      {
        NODE_ENV: "development",
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: "6",
        REDIS_URL: redis.url,
        REDIS_PREFIX: "soak",
        LOG_LEVEL: "warn",
        WORKER_QUEUES: "generate,publish,maintenance",
        GENERATION_PROVIDER: "fal",
        FAL_KEY: DEV_STANDIN_CREDENTIALS.falKey,
        FAL_QUEUE_URL: stand.url,
        PROVIDER_WEBHOOK_BASE_URL: intake.url,
        PROVIDER_WEBHOOK_SECRET: WEBHOOK_SECRET,
        GENERATE_CONCURRENCY: "8",
        PUBLISH_CONCURRENCY: "4",
        GENERATE_TIMEOUT_MS: String(GENERATE_TIMEOUT_MS),
        WORKER_LOCK_MS: String(WORKER_LOCK_MS),
        WORKER_SHUTDOWN_GRACE_MS: "10000",
        PENDING_SWEEP_EVERY_MS: "5000",
        LEDGER_RECONCILE_EVERY_MS: "10000",
        FETCH_ALLOWED_ORIGINS: [stand.url, sim.url].join(","),
        LOCAL_STORAGE_DIR: storageRoot,
        SHOPIFY_SIMULATOR_URL: sim.url,
        SHOPIFY_API_KEY: API_KEY,
        SHOPIFY_API_SECRET: API_SECRET,
      },
      path.join(dir, "workers.log"),
    );
    let poolStopped = false;
    cleanups.push(async () => {
      if (!poolStopped) await pool.stop();
    });
    log(`soak: ${config.shops} shops for ${config.durationS} s, seed ${config.seed}; logs in ${dir}`);

    const storage = createLocalStorage({ driver: "local", root: storageRoot, appUrl: "http://127.0.0.1:9", signingSecret: "s".repeat(40) });
    const photos = await Promise.all(
      (["tee", "hoodie", "dress", "jacket"] as const).map((garment, i) =>
        renderGarment({ garment, colour: ["Navy", "Forest", "Burgundy", "Mustard"][i]!, pattern: i % 2 ? "solid" : "stripes", view: "front" }, "jpeg", 512),
      ),
    );
    const model = new LedgerModel();
    const trafficStart = Date.now();
    const until = trafficStart + config.durationS * 1000;
    const progress = setInterval(() => {
      void db.prisma.generationJob
        .groupBy({ by: ["status"], _count: true })
        .then((rows) => log(`  ${Math.round((Date.now() - trafficStart) / 1000)} s: ${rows.map((r) => `${r.status} ${r._count}`).join(", ")}`))
        .catch(() => undefined);
    }, 15_000);
    cleanups.push(async () => clearInterval(progress));
    const [traffic, faults] = await Promise.all([
      runTraffic({ db: db.prisma, sim, storage, generate, publish, model, photos, seed: config.seed, maxShootProducts: config.maxShootProducts, thinkMs: config.thinkMs }, config.shops, until, config.maxShoots),
      runFaults(
        {
          until,
          killEveryMs: config.killEveryS * 1000,
          stormEveryMs: config.stormEveryS * 1000,
          redisRestartAt: trafficStart + config.durationS * 1000 * config.redisRestartAt,
          baseDatabaseUrl: options.baseDatabaseUrl,
          database: database.name,
        },
        pool,
        redis,
      ),
    ]);
    log(`soak: traffic stopped after ${Math.round((Date.now() - trafficStart) / 1000)} s; draining`);

    // Drain: the fleet, unharmed now, must bring every job and publication to rest.
    const drainStart = Date.now();
    const unsettled = async () => {
      const [jobs, pubs] = await Promise.all([
        db.prisma.generationJob.count({ where: { status: { in: ["pending", "queued", "processing"] } } }),
        db.prisma.publication.count({ where: { status: { in: ["pending", "uploading", "processing"] } } }),
      ]);
      return jobs + pubs;
    };
    const waitSettled = async (deadline: number) => {
      for (;;) {
        const left = await unsettled().catch(() => Infinity);
        if (left === 0) return true;
        if (Date.now() > deadline) return false;
        await sleep(1_000);
      }
    };
    let drained = await waitSettled(drainStart + config.drainTimeoutS * 1000);
    const reconciled = { swept: 0, failedStuck: 0, orphanOutputs: 0 };
    let stuck: string[] = [];
    if (!drained) {
      // What the maintenance queue would do on its own, later: sweep and fail what is stuck.
      log("soak: not drained by the deadline; running the maintenance reconciliation");
      stuck = await describeUnsettled(db.prisma, generate);
      for (const line of stuck) log(`  ${line}`);
      reconciled.swept = await withTimeout(sweepPendingJobs(generate, db.prisma, 0), 10_000).catch(() => 0);
      reconciled.swept += await withTimeout(sweepPublications(publish, db.prisma, 0), 10_000).catch(() => 0);
      reconciled.failedStuck = await failStuckJobs(db.prisma, GENERATE_TIMEOUT_MS * 3);
      drained = await waitSettled(Date.now() + 60_000);
      if (!drained) log("soak: still not drained; the checks will name what is left");
    }
    const drainedS = (Date.now() - drainStart) / 1000;
    await pool.stop();
    poolStopped = true;
    await stand.settle();

    // The hourly cleanup, run once now: outputs stored by attempts that lost to a cancel or a failure.
    reconciled.orphanOutputs = await deleteOrphanOutputs(db.prisma, storage);

    const checks = await checkInvariants({ db: db.prisma, model, storageRoot, sim });
    const latency = await measureLatency(db.prisma, config.providerLatencyMs);
    const jobStates = Object.fromEntries((await db.prisma.generationJob.groupBy({ by: ["status"], _count: true })).map((r) => [r.status, r._count]));
    const publicationStates = Object.fromEntries((await db.prisma.publication.groupBy({ by: ["status"], _count: true })).map((r) => [r.status, r._count]));
    const violations = violationCount(checks) + traffic.gaveUp.length + pool.unexpectedExits.length;
    return {
      config: { shops: config.shops, duration: `${config.durationS}s`, seed: config.seed, workers: config.workers, killEvery: `${config.killEveryS}s`, stormEvery: `${config.stormEveryS}s` },
      elapsedS: (Date.now() - started) / 1000,
      model: model.totals(),
      jobStates,
      publicationStates,
      traffic,
      faults: { ...faults, workerKills: pool.kills },
      providerScenarios: { ...stand.drawn } as Record<string, number>,
      webhooks: { ...intake.answers },
      drain: { drainedS, reconciled, stuck },
      unexpectedWorkerExits: pool.unexpectedExits.length,
      latency,
      checks,
      violations,
    };
  } finally {
    await cleanUp();
  }
}
