// Generate workers for bench/shoots.ts, either in the bench's own process or as child
// processes (this file's `runChild`, started by `spawnFleet`). Both run the real
// generateProcessor with a bench provider, or a no-op processor for the raw BullMQ
// baseline, with the fleet's Worker options, and report each finished job with the
// processor's wall time for it.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { Worker, type Job } from "bullmq";
import pino from "pino";
import { createPrisma, type PrismaHandle } from "../../app/services/prisma.server";
import { createLocalStorage } from "../../app/services/storage/local.server";
import { generateProcessor } from "../../worker/generate";
import type { Storage } from "../../app/services/storage/storage.server";
import type { Provider, Submission } from "../../worker/providers/provider";
import { redisConnection } from "../../worker/queues";

export type ProcessorKind = "zero" | "latency" | "noop";

export interface WorkerConfig {
  kind: ProcessorKind;
  queueName: string;
  concurrency: number;
  dbUrl: string;
  pool: number;
  redisUrl: string;
  prefix: string;
  storageRoot: string;
  /** The provider's image, base64. */
  image: string;
  latencyMs: number;
  jitterMs: number;
}

/** Where a worker's jobs waited, summed over the jobs since the last reset. */
export interface FleetStats {
  storageGetMs: number;
  storagePutMs: number;
  /** Time spent waiting for a connection from the worker's pool. */
  poolWaitMs: number;
}

const emptyStats = (): FleetStats => ({ storageGetMs: 0, storagePutMs: 0, poolWaitMs: 0 });

function addStats(into: FleetStats, from: FleetStats): FleetStats {
  into.storageGetMs += from.storageGetMs;
  into.storagePutMs += from.storagePutMs;
  into.poolWaitMs += from.poolWaitMs;
  return into;
}

export interface FleetEvents {
  /** A job finished (completed or failed) after `ms` in the processor. */
  onFinished(failed: boolean, ms: number): void;
}

export interface Fleet {
  /** Child process ids (none for an in-process fleet), for CPU accounting. */
  pids: number[];
  /** Starts the stats afresh (after the warm-up). */
  resetStats(): Promise<void>;
  /** Stops the workers; the stats since the last reset, summed over the workers. */
  close(): Promise<FleetStats>;
}

/** Deterministic jitter: a job's latency follows from its id, within ±jitter. */
export function latencyOf(jobId: string, latencyMs: number, jitterMs: number): number {
  return latencyMs + ((createHash("sha256").update(jobId).digest().readUInt32BE(0) % (2 * jitterMs + 1)) - jitterMs);
}

function benchProvider(cfg: WorkerConfig): Provider {
  const image = Buffer.from(cfg.image, "base64");
  const result: Submission = { state: "succeeded", output: { kind: "image", image, mimeType: "image/jpeg" } };
  if (cfg.kind === "zero") {
    return { name: "bench-zero", label: "Bench (zero latency)", submit: async () => result };
  }
  return {
    name: "bench-latency",
    label: "Bench (fixed latency)",
    submit(request, signal) {
      return new Promise<Submission>((resolve, reject) => {
        const timer = setTimeout(() => resolve(result), latencyOf(request.jobId, cfg.latencyMs, cfg.jitterMs));
        signal.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(signal.reason);
        });
      });
    },
  };
}

interface LocalWorker {
  worker: Worker;
  db: PrismaHandle | null;
  stats: FleetStats;
}

/** The local storage with its get and put timed. */
function timedStorage(root: string, stats: FleetStats): Storage {
  const storage = createLocalStorage({ driver: "local", root, appUrl: "http://127.0.0.1:9", signingSecret: "b".repeat(40) });
  return {
    ...storage,
    async get(bucket, key) {
      const t = performance.now();
      try {
        return await storage.get(bucket, key);
      } finally {
        stats.storageGetMs += performance.now() - t;
      }
    },
    async put(bucket, key, body, opts) {
      const t = performance.now();
      try {
        return await storage.put(bucket, key, body, opts);
      } finally {
        stats.storagePutMs += performance.now() - t;
      }
    },
  };
}

type Connect = (callback?: (err: Error | undefined, client: unknown, done: unknown) => void) => Promise<unknown> | undefined;

/** Times every wait for a pooled connection (Prisma's adapter takes one per query or transaction). */
function timePoolWaits(handle: PrismaHandle, stats: FleetStats): void {
  const pool = handle.pool as unknown as { connect: Connect };
  const connect = pool.connect.bind(pool);
  pool.connect = (callback) => {
    const t = performance.now();
    if (callback) {
      return connect((err, client, done) => {
        stats.poolWaitMs += performance.now() - t;
        callback(err, client, done);
      });
    }
    return connect()!.then((client) => {
      stats.poolWaitMs += performance.now() - t;
      return client;
    });
  };
}

/** One worker as fleet.ts builds it: its own Redis connection and (for the pipeline) its own pool. */
async function startWorker(cfg: WorkerConfig, events: FleetEvents): Promise<LocalWorker> {
  const stats = emptyStats();
  const db = cfg.kind === "noop" ? null : createPrisma(cfg.dbUrl, cfg.pool);
  if (db) timePoolWaits(db, stats);
  const inner =
    cfg.kind === "noop" || !db
      ? async () => ({ status: "ok" })
      : generateProcessor({
          db: db.prisma,
          storage: timedStorage(cfg.storageRoot, stats),
          provider: benchProvider(cfg),
          // Orchestration only: the fidelity gate's image analysis is measured by bench/fidelity.ts.
          fidelityGate: false,
          // A line per job, as in production, written to /dev/null.
          log: pino({ level: "info" }, pino.destination({ dest: "/dev/null", sync: true })),
        });
  const started = new Map<string, number>();
  const worker = new Worker(
    cfg.queueName,
    async (job: Job) => {
      started.set(job.id!, performance.now());
      return inner(job);
    },
    { connection: redisConnection(cfg.redisUrl), prefix: cfg.prefix, concurrency: cfg.concurrency, lockDuration: 30_000, stalledInterval: 30_000 },
  );
  const finished = (job: Job | undefined, failed: boolean) => {
    const t = job?.id ? started.get(job.id) : undefined;
    if (job?.id) started.delete(job.id);
    events.onFinished(failed, t === undefined ? 0 : performance.now() - t);
  };
  worker.on("completed", (job) => finished(job, false));
  worker.on("failed", (job) => finished(job, true));
  worker.on("error", (err) => console.error(`worker error: ${err.message}`));
  await worker.waitUntilReady();
  // Open the pool before the clock starts, as a running worker's would be.
  if (db) await Promise.all(Array.from({ length: cfg.pool }, () => db.pool.query("select 1")));
  return { worker, db, stats };
}

async function stopWorker(w: LocalWorker): Promise<void> {
  await w.worker.close();
  await w.worker.disconnect();
  await w.db?.close();
}

export async function startInProcessFleet(count: number, cfg: WorkerConfig, events: FleetEvents): Promise<Fleet> {
  const workers = await Promise.all(Array.from({ length: count }, () => startWorker(cfg, events)));
  return {
    pids: [],
    async resetStats() {
      for (const w of workers) Object.assign(w.stats, emptyStats());
    },
    async close() {
      await Promise.all(workers.map(stopWorker));
      return workers.reduce((sum, w) => addStats(sum, w.stats), emptyStats());
    },
  };
}

type ChildMessage = { t: "ready" } | { t: "finished"; ok: number[]; failed: number[] } | { t: "reset" } | { t: "closed"; stats: FleetStats };
type ParentMessage = { t: "reset" } | { t: "close" };

/** `count` child processes, each running one worker (this file's runChild). */
export async function spawnFleet(count: number, cfg: WorkerConfig, events: FleetEvents): Promise<Fleet> {
  const entry = fileURLToPath(import.meta.url);
  const children: ChildProcess[] = [];
  await Promise.all(
    Array.from({ length: count }, () => {
      const child = spawn(process.execPath, ["--import", "tsx", entry], {
        env: { ...process.env, BENCH_WORKER: JSON.stringify(cfg) },
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      children.push(child);
      return new Promise<void>((resolve, reject) => {
        child.once("exit", (code) => reject(new Error(`bench worker exited with ${code}`)));
        child.on("message", (m: ChildMessage) => {
          if (m.t === "ready") resolve();
          if (m.t === "finished") {
            for (const ms of m.ok) events.onFinished(false, ms);
            for (const ms of m.failed) events.onFinished(true, ms);
          }
        });
      });
    }),
  );
  /** Sends `message` to every child and waits for each one's `answer`. */
  const ask = <A extends ChildMessage["t"]>(message: ParentMessage, answer: A) =>
    Promise.all(
      children.map(
        (child) =>
          new Promise<Extract<ChildMessage, { t: A }>>((resolve) => {
            const listener = (m: ChildMessage) => {
              if (m.t !== answer) return;
              child.off("message", listener);
              resolve(m as Extract<ChildMessage, { t: A }>);
            };
            child.on("message", listener);
            child.send(message);
          }),
      ),
    );
  return {
    pids: children.map((c) => c.pid!).filter(Boolean),
    async resetStats() {
      await ask({ t: "reset" }, "reset");
    },
    async close() {
      const exited = children.map((child) => {
        child.removeAllListeners("exit");
        return new Promise<void>((resolve) => child.once("exit", () => resolve()));
      });
      const answers = await ask({ t: "close" }, "closed");
      await Promise.all(exited);
      return answers.reduce((sum, m) => addStats(sum, m.stats), emptyStats());
    },
  };
}

/** The child's side: one worker, finished jobs sent to the parent in batches. */
async function runChild(cfg: WorkerConfig): Promise<void> {
  const send = (m: ChildMessage) => process.send!(m);
  let ok: number[] = [];
  let failed: number[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    send({ t: "finished", ok, failed });
    ok = [];
    failed = [];
  };
  const w = await startWorker(cfg, {
    onFinished(f, ms) {
      (f ? failed : ok).push(ms);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  });
  process.on("message", (m: ParentMessage) => {
    if (m.t === "reset") {
      Object.assign(w.stats, emptyStats());
      send({ t: "reset" });
      return;
    }
    void stopWorker(w).then(() => {
      process.send!({ t: "closed", stats: w.stats } satisfies ChildMessage, () => {
        process.removeAllListeners("disconnect");
        process.disconnect();
        process.exit(0);
      });
    });
  });
  // A bench that died must not leave its workers behind.
  process.on("disconnect", () => process.exit(1));
  send({ t: "ready" });
}

if (process.env.BENCH_WORKER && process.argv[1] === fileURLToPath(import.meta.url)) {
  await runChild(JSON.parse(process.env.BENCH_WORKER) as WorkerConfig);
}
