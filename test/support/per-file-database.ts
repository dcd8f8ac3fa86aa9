import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, inject } from "vitest";
import { withDatabase } from "../../scripts/lib/postgres";

const base = inject("baseDatabaseUrl");
const template = inject("templateDatabase");
// The pid lets setup drop databases of test processes that died.
const name = `atelier_t_p${process.pid}_${randomBytes(4).toString("hex")}`;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(base, "postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

await admin(async (client) => {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(`create database "${name}" template "${template}"`);
      return;
    } catch (error) {
      // 55006: another file is copying the same template at this instant.
      if ((error as { code?: string }).code !== "55006" || attempt > 50) throw error;
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
    }
  }
});

process.env.DATABASE_URL = withDatabase(base, name);
process.env.REDIS_PREFIX = `atelier-test-${name}`;

afterAll(async () => {
  await globalThis.__atelierDb?.close();
  globalThis.__atelierDb = undefined;
  await admin((client) => client.query(`drop database if exists "${name}" with (force)`));
});
