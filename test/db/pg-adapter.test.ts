import { describe, expect, it } from "vitest";
import { useTestDb } from "../support/db";

const h = useTestDb(1);
const killer = useTestDb(1);

describe("database connections", () => {
  it("survive transactions whose backend is terminated before COMMIT", async () => {
    // With a single pooled connection, one leaked connection would hang the next query.
    for (let i = 0; i < 3; i++) {
      const error = await h.prisma
        .$transaction(async (tx) => {
          const [{ pid }] = await tx.$queryRaw<{ pid: number }[]>`select pg_backend_pid() as pid`;
          await killer.prisma.$queryRaw`select pg_terminate_backend(${pid}::int)`;
          await tx.$queryRaw`select 1`;
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
    }
    await expect(h.prisma.$queryRaw`select 1 as one`).resolves.toEqual([{ one: 1 }]);
    expect(h.pool.totalCount).toBeLessThanOrEqual(1);
  });

  it("release the connection when COMMIT itself fails", async () => {
    await h.prisma.$executeRawUnsafe(
      "create table if not exists t_commit (id int primary key, constraint u unique (id) deferrable initially deferred)",
    );
    await h.prisma.$executeRawUnsafe("alter table t_commit drop constraint t_commit_pkey");
    for (let i = 0; i < 3; i++) {
      await expect(
        h.prisma.$transaction(async (tx) => {
          await tx.$executeRawUnsafe("insert into t_commit values (1), (1)");
        }),
      ).rejects.toThrow();
    }
    await expect(h.prisma.$queryRaw`select count(*)::int as n from t_commit`).resolves.toEqual([{ n: 0 }]);
  });
});
