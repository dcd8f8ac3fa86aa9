// `npm run setup`: idempotent. Makes PostgreSQL and Redis answer, creates and
// migrates the database, generates the Prisma client and seeds the embedded-default
// shop. With --test it prepares the migrated template that test files copy instead.
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL } from "../app/lib/env-schema";
import { ensureChromium } from "./lib/chromium";
import { ensureDatabase, ensurePostgres } from "./lib/postgres";
import { ensureRedis } from "./lib/redis";
import { ensureTestTemplate, generatePrismaClient, pushMigrations } from "./lib/schema";
import { log } from "./lib/shell";

const testMode = process.argv.includes("--test");
const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const redisUrl = process.env.REDIS_URL || DEFAULT_REDIS_URL;

async function main(): Promise<void> {
  const started = Date.now();
  await Promise.all([ensurePostgres(databaseUrl), ensureRedis(redisUrl)]);
  generatePrismaClient(databaseUrl);
  if (testMode) {
    ensureChromium();
    const template = await ensureTestTemplate(databaseUrl);
    log(`test template ${template} ready (${Date.now() - started} ms)`);
    return;
  }
  await ensureDatabase(databaseUrl);
  pushMigrations(databaseUrl);
  // Imported late: the Prisma client it needs was generated just above.
  const { seedDevShop } = await import("./lib/seed");
  const shop = await seedDevShop(databaseUrl);
  log(`database ready; embedded shop ${shop.domain} has ${shop.balance} credits (${Date.now() - started} ms)`);
}

main().catch((error: unknown) => {
  console.error(`[setup] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
