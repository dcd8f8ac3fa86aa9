import { randomBytes } from "node:crypto";
import { afterAll, inject } from "vitest";
import { createDatabaseFromTemplate, dropDatabase, withDatabase } from "../../scripts/lib/postgres";

const base = inject("baseDatabaseUrl");
const template = inject("templateDatabase");
// The pid lets setup drop databases of test processes that died.
const name = `atelier_t_p${process.pid}_${randomBytes(4).toString("hex")}`;

await createDatabaseFromTemplate(base, name, template);

process.env.DATABASE_URL = withDatabase(base, name);
process.env.REDIS_PREFIX = `atelier-test-${name}`;

afterAll(async () => {
  await globalThis.__atelierDb?.close();
  globalThis.__atelierDb = undefined;
  await dropDatabase(base, name);
});
