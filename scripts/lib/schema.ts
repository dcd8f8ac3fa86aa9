import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { databaseName, withDatabase } from "./postgres";
import { hasCommand, log, run } from "./shell";

const root = path.resolve(import.meta.dirname, "../..");
const migrationsDir = path.join(root, "supabase/migrations");

export function migrationsHash(): string {
  const hash = createHash("sha256");
  for (const file of readdirSync(migrationsDir).filter((f) => f.endsWith(".sql")).sort()) {
    hash.update(file).update(readFileSync(path.join(migrationsDir, file)));
  }
  return hash.digest("hex").slice(0, 12);
}

function supabaseBinary(): string {
  const arch = process.arch === "x64" ? "x64" : process.arch;
  const candidate = path.join(root, `node_modules/@supabase/cli-${process.platform}-${arch}/bin/supabase`);
  if (existsSync(candidate)) return candidate;
  if (hasCommand("supabase")) return "supabase";
  throw new Error(`Supabase CLI not found (looked for ${candidate} and supabase on PATH)`);
}

/** Applies pending supabase/migrations with the Supabase CLI, as production does. */
export function pushMigrations(url: string): void {
  const u = new URL(url);
  if (!u.searchParams.has("sslmode") && ["127.0.0.1", "localhost", "::1"].includes(u.hostname)) {
    u.searchParams.set("sslmode", "disable");
  }
  const result = run(supabaseBinary(), ["db", "push", `--remote=${u.toString()}`, "--include-all", "--yes"], {
    cwd: root,
    env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
  });
  if (!result.ok) throw new Error(`supabase db push failed:\n${result.output}`);
  const applied = result.output.split("\n").filter((l) => l.startsWith("Applying migration"));
  if (applied.length > 0) log(`${databaseName(url)}: ${applied.join(", ").replaceAll("Applying migration ", "")}`);
}

/** Regenerates the Prisma client only when the schema or Prisma changed. */
export function generatePrismaClient(databaseUrl: string): void {
  const schema = readFileSync(path.join(root, "prisma/schema.prisma"));
  const version = JSON.parse(readFileSync(path.join(root, "node_modules/@prisma/client/package.json"), "utf8")).version;
  const stamp = createHash("sha256").update(schema).update(version).digest("hex");
  const stampFile = path.join(root, "node_modules/.prisma/client/.atelier-stamp");
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) return;
  log("generating the Prisma client");
  const result = run(path.join(root, "node_modules/.bin/prisma"), ["generate", "--no-hints"], {
    cwd: root,
    // prisma.config.ts needs a URL to load, even though generate does not connect.
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
  if (!result.ok) throw new Error(`prisma generate failed:\n${result.output}`);
  writeFileSync(stampFile, stamp);
}

export const TEST_DB_PREFIX = "atelier_t_";

export function templateName(): string {
  return `atelier_test_tpl_${migrationsHash()}`;
}

/**
 * A migrated database that each test file copies (CREATE DATABASE … TEMPLATE), so
 * files run in parallel on their own database without re-running migrations.
 */
export async function ensureTestTemplate(baseUrl: string): Promise<string> {
  const name = templateName();
  const admin = new pg.Client({ connectionString: withDatabase(baseUrl, "postgres") });
  await admin.connect();
  try {
    const ready = await admin.query(
      "select 1 from pg_database d join pg_shdescription s on s.objoid = d.oid where d.datname = $1 and s.description like 'ready%'",
      [name],
    );
    if (ready.rowCount) return name;
    await dropStale(admin, name);
    const build = `${name}_b${process.pid}`;
    await admin.query(`drop database if exists "${build}"`);
    await admin.query(`create database "${build}"`);
    pushMigrations(withDatabase(baseUrl, build));
    try {
      await admin.query(`alter database "${build}" rename to "${name}"`);
      await admin.query(`comment on database "${name}" is 'ready ${Date.now()}'`);
      await admin.query(`alter database "${name}" with allow_connections false`);
    } catch (error) {
      // Another run built the same template first.
      await admin.query(`drop database if exists "${build}"`);
      if ((error as { code?: string }).code !== "42P04") throw error;
    }
    return name;
  } finally {
    await admin.end();
  }
}

/** A template another checkout may still be copying from is kept this long. */
const TEMPLATE_GRACE_MS = 6 * 3600_000;

/**
 * Templates of other migrations once no run can still be using them, and databases
 * left by test processes that died.
 */
async function dropStale(admin: pg.Client, keep: string): Promise<void> {
  const { rows } = await admin.query<{ datname: string; description: string | null }>(
    `select d.datname, s.description from pg_database d left join pg_shdescription s on s.objoid = d.oid
      where d.datname like 'atelier\\_test\\_tpl\\_%' or d.datname like 'atelier\\_t\\_%'`,
  );
  for (const { datname, description } of rows) {
    if (datname === keep) continue;
    const readyAt = Number(/^ready (\d+)$/.exec(description ?? "")?.[1] ?? 0);
    if (readyAt && Date.now() - readyAt < TEMPLATE_GRACE_MS) continue;
    const pid = Number(/_p(\d+)_/.exec(datname)?.[1] ?? /_b(\d+)$/.exec(datname)?.[1] ?? NaN);
    if (Number.isFinite(pid) && isAlive(pid)) continue;
    await admin.query(`drop database if exists "${datname}" with (force)`).catch(() => undefined);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
