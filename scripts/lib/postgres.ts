import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import pg from "pg";
import { aptInstall, hasCommand, isLocalHost, log, run, sleep } from "./shell";

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ""));
  if (!/^[A-Za-z0-9_]{1,63}$/.test(name)) throw new Error(`unsupported database name "${name}" in DATABASE_URL`);
  return name;
}

async function probe(url: string): Promise<{ ok: true } | { ok: false; code?: string; message: string }> {
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres"), connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query("select 1");
    return { ok: true };
  } catch (error) {
    const e = error as { code?: string; message: string };
    return { ok: false, code: e.code, message: e.message };
  } finally {
    await client.end().catch(() => undefined);
  }
}

function startDebianClusters(): boolean {
  if (hasCommand("pg_lsclusters")) {
    const clusters = run("pg_lsclusters", ["-h"]).output.trim().split("\n").filter(Boolean);
    for (const line of clusters) {
      const [version, name] = line.split(/\s+/);
      if (version && name) run("pg_ctlcluster", [version, name, "start"]);
    }
    if (clusters.length > 0) return true;
  }
  return run("service", ["postgresql", "start"]).ok;
}

/** Debian's packaged cluster authenticates TCP clients by password; allow local trust. */
function trustLocalConnections(): void {
  const root = "/etc/postgresql";
  if (!existsSync(root)) return;
  for (const version of readdirSync(root)) {
    for (const cluster of readdirSync(`${root}/${version}`)) {
      const file = `${root}/${version}/${cluster}/pg_hba.conf`;
      if (!existsSync(file)) continue;
      const text = readFileSync(file, "utf8");
      if (text.includes("# atelier: trust local")) continue;
      writeFileSync(
        file,
        `# atelier: trust local development connections\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n${text}`,
      );
      run("pg_ctlcluster", [version, cluster, "reload"]);
    }
  }
}

/** Uses the PostgreSQL that answers; otherwise starts (or installs, as root) Debian's. */
export async function ensurePostgres(url: string): Promise<void> {
  let state = await probe(url);
  if (state.ok) return;
  const host = new URL(url).hostname;
  if (!isLocalHost(host)) throw new Error(`PostgreSQL at ${host} does not answer: ${state.message}`);

  let installed = false;
  if (!hasCommand("pg_ctlcluster") && !existsSync("/usr/lib/postgresql")) {
    installed = aptInstall(["postgresql"]);
    if (!installed) throw new Error("PostgreSQL is not running and not installed; install it (apt-get install postgresql)");
  }
  log("starting PostgreSQL…");
  startDebianClusters();
  for (let i = 0; i < 40; i++) {
    state = await probe(url);
    if (state.ok) return;
    // 28P01/28000: the server runs but refuses our credentials.
    if ((state.code === "28P01" || state.code === "28000") && installed) trustLocalConnections();
    await sleep(500);
  }
  throw new Error(`PostgreSQL did not come up: ${state.message}`);
}

export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    const found = await client.query("select 1 from pg_database where datname = $1", [name]);
    if (found.rowCount === 0) {
      log(`creating database ${name}`);
      await client.query(`create database "${name}"`).catch((e: { code?: string }) => {
        if (e.code !== "42P04") throw e;
      });
    }
  } finally {
    await client.end();
  }
}

/** Runs `fn` on a connection to the cluster's maintenance database. */
export async function withAdminClient<T>(baseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(baseUrl, "postgres") });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new database copied from a migrated template; retried while another process copies the same template. */
export async function createDatabaseFromTemplate(baseUrl: string, name: string, template: string): Promise<void> {
  await withAdminClient(baseUrl, async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`create database "${name}" template "${template}"`);
        return;
      } catch (error) {
        // 55006: another process is copying the same template at this instant.
        if ((error as { code?: string }).code !== "55006" || attempt > 50) throw error;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  await withAdminClient(baseUrl, (client) => client.query(`drop database if exists "${name}" with (force)`));
}
