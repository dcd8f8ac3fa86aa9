import { Redis } from "ioredis";
import { aptInstall, hasCommand, isLocalHost, log, run, sleep } from "./shell";

async function ping(url: string): Promise<Redis | null> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  redis.on("error", () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch {
    redis.disconnect();
    return null;
  }
}

/** Uses the Redis that answers; otherwise starts (or installs, as root) Debian's. */
export async function ensureRedis(url: string): Promise<void> {
  let redis = await ping(url);
  if (!redis) {
    const u = new URL(url);
    if (!isLocalHost(u.hostname)) throw new Error(`Redis at ${u.host} does not answer`);
    if (!hasCommand("redis-server") && !aptInstall(["redis-server"])) {
      throw new Error("Redis is not running and not installed; install it (apt-get install redis-server)");
    }
    log("starting Redis…");
    if (!run("service", ["redis-server", "start"]).ok) {
      run("redis-server", ["--port", u.port || "6379", "--daemonize", "yes", "--save", "", "--appendonly", "no"]);
    }
    for (let i = 0; i < 20 && !redis; i++) {
      await sleep(250);
      redis = await ping(url);
    }
    if (!redis) throw new Error("Redis did not come up");
  }
  try {
    // BullMQ loses jobs if Redis evicts keys under memory pressure.
    const [, policy] = (await redis.config("GET", "maxmemory-policy")) as [string, string];
    if (policy !== "noeviction") {
      await redis.config("SET", "maxmemory-policy", "noeviction");
      log("Redis maxmemory-policy set to noeviction");
    }
  } catch {
    log("warning: could not check Redis maxmemory-policy (managed Redis?); BullMQ needs noeviction");
  } finally {
    redis.disconnect();
  }
}
