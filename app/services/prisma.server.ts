import { ResilientPrismaPg } from "./pg-adapter.server";
import { Prisma, PrismaClient } from "@prisma/client";
import pg from "pg";

/** A client or an open interactive transaction: services accept either. */
export type Db = PrismaClient | Prisma.TransactionClient;

export interface PrismaHandle {
  prisma: PrismaClient;
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * Prisma with the TypeScript engine over a pg pool (no native engines needed). The
 * pool is exposed for the few places that need a raw connection (LISTEN, COPY).
 */
export function createPrisma(connectionString: string, max = 10): PrismaHandle {
  const pool = new pg.Pool({ connectionString, max, idleTimeoutMillis: 30_000 });
  // A terminated backend (failover, pg_terminate_backend) must not crash the process.
  pool.on("error", () => undefined);
  const prisma = new PrismaClient({ adapter: new ResilientPrismaPg(pool) });
  return {
    prisma,
    pool,
    async close() {
      await prisma.$disconnect();
      // A connection stuck in a dead transaction must not keep the process alive.
      await Promise.race([pool.end().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
    },
  };
}

/** True when the error is a PostgreSQL error with the given SQLSTATE, however wrapped. */
export function hasSqlState(error: unknown, code: string): boolean {
  const seen = new Set<unknown>();
  let current: unknown = error;
  while (current && typeof current === "object" && !seen.has(current)) {
    seen.add(current);
    const e = current as Record<string, unknown>;
    if (e.code === code || e.originalCode === code) return true;
    const meta = e.meta as Record<string, unknown> | undefined;
    if (meta && (meta.code === code || (meta.driverAdapterError as { cause?: { originalCode?: string } })?.cause?.originalCode === code)) {
      return true;
    }
    current = e.cause ?? (meta?.driverAdapterError as unknown);
  }
  return false;
}
