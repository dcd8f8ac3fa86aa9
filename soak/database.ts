import { randomBytes } from "node:crypto";
import { createDatabaseFromTemplate, dropDatabase, withAdminClient, withDatabase } from "../scripts/lib/postgres";
import { ensureTestTemplate } from "../scripts/lib/schema";

export interface SoakDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * The run's own database, copied from the tests' migrated template. The name carries
 * the pid, so the test setup drops it if this process dies before dropping it itself.
 */
export async function createSoakDatabase(baseUrl: string): Promise<SoakDatabase> {
  const template = await ensureTestTemplate(baseUrl);
  const name = `atelier_t_p${process.pid}_soak_${randomBytes(3).toString("hex")}`;
  await createDatabaseFromTemplate(baseUrl, name, template);
  return {
    url: withDatabase(baseUrl, name),
    name,
    drop: () => dropDatabase(baseUrl, name),
  };
}

/**
 * Terminates every connection to the database but its own: what a failover or an
 * operator's mistake does to a fleet. Returns how many were cut.
 */
export async function connectionStorm(baseUrl: string, database: string): Promise<number> {
  return withAdminClient(baseUrl, async (client) => {
    const { rows } = await client.query<{ ok: boolean }>(
      "select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
      [database],
    );
    return rows.filter((r) => r.ok).length;
  });
}
