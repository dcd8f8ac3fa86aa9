// Ledger throughput: single reserves from concurrent connections and batch reserves
// of one bulk request. Prints figures; run with `npm run bench`.
import { randomUUID } from "node:crypto";
import pg from "pg";
import { DEFAULT_DATABASE_URL } from "../app/lib/env-schema";
import { grantPurchase, reserveJobs } from "../app/services/credits/operations.server";
import { createPrisma } from "../app/services/prisma.server";
import { recordInstall } from "../app/services/shops.server";
import { withDatabase } from "../scripts/lib/postgres";
import { ensureTestTemplate } from "../scripts/lib/schema";
import { recorder } from "./lib/results";

const record = recorder("ledger");

const base = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const name = `atelier_t_p${process.pid}_bench`;
const admin = new pg.Client({ connectionString: withDatabase(base, "postgres") });
await admin.connect();
await admin.query(`create database "${name}" template "${await ensureTestTemplate(base)}"`);
const db = createPrisma(withDatabase(base, name), 16);

try {
  const shop = await recordInstall(db.prisma, { domain: "bench.myshopify.com", welcomeCredits: 0 });
  await grantPurchase(db.prisma, shop.id, { credits: 10_000_000, key: "bench-grant" });

  const singles = 2000;
  let t = performance.now();
  const queue = Array.from({ length: singles }, () => randomUUID());
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let id = queue.pop(); id; id = queue.pop()) await reserveJobs(db.prisma, shop.id, [{ jobId: id, cost: 1 }]);
    }),
  );
  const singleRate = singles / ((performance.now() - t) / 1000);
  console.log(`single reserves, 16 connections, one shop: ${singleRate.toFixed(0)} /s`);
  record({ figure: "single reserves, 16 connections, one shop", value: singleRate, unit: "reserves/s" });

  for (const size of [100, 1000, 10_000]) {
    t = performance.now();
    await reserveJobs(db.prisma, shop.id, Array.from({ length: size }, () => ({ jobId: randomUUID(), cost: 2 })));
    const ms = performance.now() - t;
    const jobsPerS = (size / ms) * 1000;
    console.log(`batch reserve of ${size} jobs: ${ms.toFixed(0)} ms (${jobsPerS.toFixed(0)} jobs/s, ${(jobsPerS / singleRate).toFixed(1)}x singles)`);
    record({ figure: `batch reserve of ${size} jobs`, value: ms, unit: "ms", note: `${jobsPerS.toFixed(0)} jobs/s, ${(jobsPerS / singleRate).toFixed(1)}× the single reserves' rate` });
  }
} finally {
  await db.close();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
}
