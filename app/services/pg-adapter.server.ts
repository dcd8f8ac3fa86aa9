import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";

type Adapter = Awaited<ReturnType<PrismaPg["connect"]>>;
type Transaction = Awaited<ReturnType<Adapter["startTransaction"]>>;
type SqlQuery = Parameters<Transaction["executeRaw"]>[0];

/**
 * Prisma's pg adapter with one repair: Prisma sends COMMIT/ROLLBACK as a query and
 * releases the pooled connection only when that query succeeds. When it fails (the
 * backend was terminated, a constraint fired at commit, a failover) the connection
 * was never returned and the pool slowly starves. Here such a connection is released
 * as broken, so the pool discards it and opens a fresh one.
 */
export class ResilientPrismaPg extends PrismaPg {
  override async connect() {
    const adapter = await super.connect();
    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel) => {
      const tx = await startTransaction(isolationLevel);
      const executeRaw = tx.executeRaw.bind(tx);
      tx.executeRaw = async (query: SqlQuery) => {
        try {
          return await executeRaw(query);
        } catch (error) {
          if (query.sql === "COMMIT" || query.sql === "ROLLBACK") {
            const client = (tx as unknown as { client?: pg.PoolClient }).client;
            client?.release(error instanceof Error ? error : new Error(String(error)));
          }
          throw error;
        }
      };
      return tx;
    };
    return adapter;
  }
}
