import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import { Redis } from "ioredis";

export interface PrivateRedis {
  url: string;
  /** Stops the server (it writes its append-only file) and starts it again on the same port. */
  restart(downMs: number): Promise<{ downMs: number }>;
  stop(): Promise<void>;
}

async function waitForPing(url: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on("error", () => undefined);
    try {
      await client.connect();
      if ((await client.ping()) === "PONG") return;
    } catch {
      // not up yet
    } finally {
      client.disconnect();
    }
    if (Date.now() > end) throw new Error(`redis-server at ${url} did not answer`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A redis-server of the run's own, so restarting it touches nobody else's queues.
 * Append-only persistence is on, as BullMQ's production setups have it: the restart
 * tests that the fleet reconnects and carries on, not a Redis that forgets its data.
 */
export async function startPrivateRedis(port: number, dir: string): Promise<PrivateRedis> {
  mkdirSync(dir, { recursive: true });
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "everysec", "--maxmemory-policy", "noeviction"],
      { stdio: "ignore" },
    );
    await waitForPing(url, 10_000);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once("exit", r));
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    url,
    async restart(downMs) {
      const t = Date.now();
      await stop();
      await new Promise((r) => setTimeout(r, downMs));
      await start();
      return { downMs: Date.now() - t };
    },
    stop,
  };
}
