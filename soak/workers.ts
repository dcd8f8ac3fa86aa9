import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

const root = path.resolve(import.meta.dirname, "..");
const router = pathToFileURL(path.join(root, "dev/shopify/route-fetch.mjs")).href;

export interface WorkerPool {
  /** SIGKILLs one running worker (round robin) and starts a new one in its place. */
  killOne(): Promise<void>;
  kills: number;
  /** Worker processes that exited without being killed by us. */
  readonly unexpectedExits: { code: number | null; signal: string | null }[];
  stop(): Promise<void>;
}

/**
 * Real worker processes, started as node itself (not through the tsx wrapper) so a
 * SIGKILL kills the worker and nothing softer. Their output goes to one log file.
 */
export function startWorkerPool(count: number, env: Record<string, string>, logFile: string): WorkerPool {
  const log: WriteStream = createWriteStream(logFile, { flags: "a" });
  const children: (ChildProcess | null)[] = Array.from({ length: count }, () => null);
  const killed = new WeakSet<ChildProcess>();
  const unexpectedExits: { code: number | null; signal: string | null }[] = [];
  let stopping = false;
  let next = 0;

  const spawnAt = (slot: number) => {
    const child = spawn(process.execPath, ["--import", router, "--import", "tsx", "worker/index.ts"], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.once("exit", (code, signal) => {
      if (stopping || killed.has(child)) return;
      unexpectedExits.push({ code, signal });
      // A crashed worker is replaced, as a supervisor would; the exit is still reported.
      if (children[slot] === child) spawnAt(slot);
    });
    children[slot] = child;
  };
  for (let i = 0; i < count; i++) spawnAt(i);

  const pool: WorkerPool = {
    kills: 0,
    unexpectedExits,
    async killOne() {
      const slot = next++ % count;
      const child = children[slot];
      if (child && child.exitCode === null && child.signalCode === null) {
        killed.add(child);
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGKILL");
        await exited;
        pool.kills++;
      }
      if (!stopping) spawnAt(slot);
    },
    async stop() {
      stopping = true;
      await Promise.all(
        children.map(async (child) => {
          if (!child || child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((r) => child.once("exit", r));
          child.kill("SIGTERM");
          const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
          await exited;
          clearTimeout(timer);
        }),
      );
      await new Promise<void>((r) => log.end(r));
    },
  };
  return pool;
}
