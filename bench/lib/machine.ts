import { arch, availableParallelism, cpus, loadavg, release, totalmem, type as osType, version as osVersion } from "node:os";
import { Redis } from "ioredis";
import pg from "pg";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from "../../app/lib/env-schema";
import { withDatabase } from "../../scripts/lib/postgres";
import type { Machine } from "./report";

// What the figures were measured on, asked of the same servers the benchmarks use.
// A server that does not answer leaves "unknown" in the report rather than no report.

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

async function postgresVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    return (await client.query<{ version: string }>("select version()")).rows[0]!.version;
  } catch (error) {
    return `unknown (${reason(error)})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisVersion(url: string): Promise<string> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  // connect() rejects with "Connection is closed"; the cause arrives as an error event.
  let cause: unknown;
  redis.on("error", (error) => (cause ??= error));
  try {
    await redis.connect();
    const info = await redis.info("server");
    return info.match(/^redis_version:(.+)$/m)?.[1]?.trim() ?? "unknown (no redis_version in INFO)";
  } catch (error) {
    return `unknown (${reason(cause ?? error)})`;
  } finally {
    redis.disconnect();
  }
}

export async function describeMachine(env: NodeJS.ProcessEnv = process.env): Promise<Machine> {
  const [postgres, redis] = await Promise.all([
    // The maintenance database, as the benchmarks' own admin connection: the app's may not exist yet.
    postgresVersion(withDatabase(env.DATABASE_URL || DEFAULT_DATABASE_URL, "postgres")),
    redisVersion(env.REDIS_URL || DEFAULT_REDIS_URL),
  ]);
  return {
    cpuModel: cpus()[0]?.model.trim() || "unknown",
    cpuCount: availableParallelism(),
    memoryBytes: totalmem(),
    os: `${osType()} ${release()} ${arch()} (${osVersion()})`,
    node: process.version,
    postgres,
    redis,
  };
}

export const loadAverage = (): number => loadavg()[0]!;
