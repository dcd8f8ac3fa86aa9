import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it, inject } from "vitest";
import { dropDatabase, withAdminClient, withDatabase } from "../../scripts/lib/postgres";
import { pushMigrations } from "../../scripts/lib/schema";

// The bucket migration only acts where Supabase's storage schema exists. Here a
// database gets a minimal stand-in of that schema (the columns and the helper the
// migration and its policies use) before the migrations are pushed with the CLI.

const base = inject("baseDatabaseUrl");
// The pid prefix lets setup drop it if this process dies before cleaning up.
const name = `atelier_t_p${process.pid}_storage_${randomBytes(4).toString("hex")}`;
const url = withDatabase(base, name);
let client: pg.Client;

const MINIMAL_STORAGE_SCHEMA = `
  create schema storage;
  create table storage.buckets (
    id text primary key,
    name text not null,
    public boolean default false,
    file_size_limit bigint,
    allowed_mime_types text[]
  );
  create table storage.objects (
    id uuid primary key default gen_random_uuid(),
    bucket_id text references storage.buckets (id),
    name text not null,
    owner uuid
  );
  -- Supabase's definition: every segment but the last.
  create function storage.foldername(name text) returns text[]
  language sql immutable as $$
    select (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1]
  $$;
`;

beforeAll(async () => {
  await withAdminClient(base, (c) => c.query(`create database "${name}"`));
  client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(MINIMAL_STORAGE_SCHEMA);
  pushMigrations(url);
  // As on Supabase, where storage.objects has RLS on and the API roles may use it.
  await client.query(`
    alter table storage.objects enable row level security;
    grant usage on schema storage to authenticated;
    grant select, insert, update, delete on storage.objects to authenticated;
  `);
}, 120_000);

afterAll(async () => {
  await client?.end();
  await dropDatabase(base, name);
});

/** Runs as an API client whose JWT names `shopId`, then rolls back. */
async function as<T>(shopId: string | null, fn: () => Promise<T>): Promise<T> {
  await client.query("begin");
  try {
    await client.query("set local role authenticated");
    await client.query("select set_config('request.jwt.claims', $1, true)", [
      JSON.stringify({ sub: randomUUID(), role: "authenticated", ...(shopId ? { shop_id: shopId } : {}) }),
    ]);
    return await fn();
  } finally {
    await client.query("rollback");
  }
}

async function attempt(sql: string, params: unknown[] = []): Promise<{ rows: number; error?: string }> {
  await client.query("savepoint s");
  try {
    const r = await client.query(sql, params);
    await client.query("release savepoint s");
    return { rows: r.rowCount ?? 0 };
  } catch (error) {
    await client.query("rollback to savepoint s");
    return { rows: 0, error: (error as Error).message };
  }
}

describe("storage bucket migration", () => {
  it("creates both private buckets with their limits", async () => {
    const { rows } = await client.query("select id, name, public, file_size_limit, allowed_mime_types from storage.buckets order by id");
    expect(rows).toEqual([
      { id: "outputs", name: "outputs", public: false, file_size_limit: "52428800", allowed_mime_types: ["image/*", "video/mp4", "video/webm"] },
      {
        id: "uploads",
        name: "uploads",
        public: false,
        file_size_limit: "10485760",
        allowed_mime_types: ["image/jpeg", "image/png", "image/webp", "image/gif"],
      },
    ]);
  });

  it("creates the storage policies for authenticated clients", async () => {
    const { rows } = await client.query(
      "select policyname, cmd, roles::text[] as roles from pg_policies where schemaname = 'storage' and tablename = 'objects' order by policyname",
    );
    expect(rows).toEqual([
      { policyname: "atelier_outputs_select_own", cmd: "SELECT", roles: ["authenticated"] },
      { policyname: "atelier_uploads_delete_own", cmd: "DELETE", roles: ["authenticated"] },
      { policyname: "atelier_uploads_insert_own", cmd: "INSERT", roles: ["authenticated"] },
      { policyname: "atelier_uploads_select_own", cmd: "SELECT", roles: ["authenticated"] },
      { policyname: "atelier_uploads_update_own", cmd: "UPDATE", roles: ["authenticated"] },
    ]);
  });

  it("lets a shop reach only objects under its own first folder", async () => {
    const own = randomUUID();
    const other = randomUUID();
    const job = randomUUID();
    await client.query(
      `insert into storage.objects (bucket_id, name) values
         ('uploads', $1 || '/a.png'), ('uploads', $2 || '/a.png'),
         ('outputs', $1 || '/' || $3 || '/1.png'), ('outputs', $2 || '/' || $3 || '/1.png')`,
      [own, other, job],
    );
    await as(own, async () => {
      const { rows } = await client.query("select bucket_id, name from storage.objects where name like any($1) order by bucket_id", [
        [`${own}/%`, `${other}/%`],
      ]);
      expect(rows).toEqual([
        { bucket_id: "outputs", name: `${own}/${job}/1.png` },
        { bucket_id: "uploads", name: `${own}/a.png` },
      ]);
      const insert = "insert into storage.objects (bucket_id, name) values ($1, $2)";
      expect(await attempt(insert, ["uploads", `${own}/b.png`])).toEqual({ rows: 1 });
      expect((await attempt(insert, ["uploads", `${other}/b.png`])).error).toMatch(/row-level security/);
      // Outputs are written by the worker alone.
      expect((await attempt(insert, ["outputs", `${own}/${job}/2.png`])).error).toMatch(/row-level security/);
      // A key at the bucket root has no shop folder.
      expect((await attempt(insert, ["uploads", "b.png"])).error).toMatch(/row-level security/);
      expect((await attempt("update storage.objects set name = $1 where name = $2", [`${other}/moved.png`, `${own}/a.png`])).error).toMatch(
        /row-level security/,
      );
      expect(await attempt("update storage.objects set name = $1 where name = $2", [`${own}/renamed.png`, `${own}/a.png`])).toEqual({ rows: 1 });
      expect(await attempt("delete from storage.objects where name = $1", [`${other}/a.png`])).toEqual({ rows: 0 });
      expect(await attempt("delete from storage.objects where bucket_id = 'outputs' and name = $1", [`${own}/${job}/1.png`])).toEqual({ rows: 0 });
      expect(await attempt("delete from storage.objects where name = $1", [`${own}/renamed.png`])).toEqual({ rows: 1 });
    });
    // Without a shop claim nothing is visible.
    await as(null, async () => {
      expect((await client.query("select 1 from storage.objects")).rowCount).toBe(0);
    });
  });

  it("runs again without errors (the buckets and policies are replaced, not duplicated)", async () => {
    const sql = readFileSync(new URL("../../supabase/migrations/20261124000005_storage_buckets.sql", import.meta.url), "utf8");
    await client.query("update storage.buckets set file_size_limit = 1 where id = 'uploads'");
    await client.query(sql);
    expect((await client.query("select file_size_limit from storage.buckets where id = 'uploads'")).rows).toEqual([{ file_size_limit: "10485760" }]);
    expect((await client.query("select count(*)::int as n from pg_policies where schemaname = 'storage'")).rows).toEqual([{ n: 5 }]);
  });
});

describe("storage bucket migration on plain PostgreSQL", () => {
  it("is a no-op where there is no storage schema", async () => {
    // This file's own database was migrated from the template, without a storage schema.
    const plain = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await plain.connect();
    try {
      const { rows } = await plain.query(
        "select to_regclass('storage.buckets') as buckets, exists (select 1 from supabase_migrations.schema_migrations where version = '20261124000005') as applied",
      );
      expect(rows).toEqual([{ buckets: null, applied: true }]);
    } finally {
      await plain.end();
    }
  });
});
