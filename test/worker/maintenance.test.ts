import { QueueEvents } from "bullmq";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { grantPurchase } from "~/services/credits/operations.server";
import { parseWorkerEnv } from "../../worker/env.server";
import { startFleet } from "../../worker/fleet";
import { makeQueue, redisConnection } from "../../worker/queues";
import { makeShop, useTestDb } from "../support/db";

const h = useTestDb(2);

describe("worker fleet", () => {
  it("reconciles the ledger on the maintenance queue and reports a tampered balance", async () => {
    const env = parseWorkerEnv({ ...process.env, WORKER_QUEUES: "maintenance", LOG_LEVEL: "silent" });
    const fleet = await startFleet(env, pino({ level: "silent" }));
    const connection = redisConnection(env.REDIS_URL);
    const queue = makeQueue("maintenance", connection, env.REDIS_PREFIX);
    const events = new QueueEvents("maintenance", { connection: redisConnection(env.REDIS_URL), prefix: env.REDIS_PREFIX });
    afterAll(async () => {
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
      await fleet.close();
    });
    await events.waitUntilReady();

    const shop = await makeShop(h);
    await grantPurchase(h.prisma, shop.id, { credits: 5, key: `p-${shop.id}` });
    const clean = await queue.add("reconcile-ledger", { task: "reconcile-ledger" });
    expect(await clean.waitUntilFinished(events, 10_000)).toEqual({ discrepancies: 0 });

    // Only someone who disables the guard triggers can make a balance lie.
    await h.prisma.$transaction(async (tx) => {
      await tx.$executeRawUnsafe("alter table credit_balances disable trigger credit_balances_guard");
      await tx.$executeRaw`update credit_balances set balance = 99 where shop_id = ${shop.id}::uuid`;
      await tx.$executeRawUnsafe("alter table credit_balances enable trigger credit_balances_guard");
    });
    const dirty = await queue.add("reconcile-ledger", { task: "reconcile-ledger" });
    expect(await dirty.waitUntilFinished(events, 10_000)).toEqual({ discrepancies: 1 });

    const schedulers = await queue.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toContain("reconcile-ledger");
  });
});
