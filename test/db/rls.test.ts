import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { grantPurchase, reserveJobs } from "~/services/credits/operations.server";
import { makeShop, useTestDb } from "../support/db";

// The seed's RLS matrix, evaluated the way Supabase does: the API role
// `authenticated` with the verified JWT's claims in request.jwt.claims.

const h = useTestDb();
const client = new pg.Client({ connectionString: process.env.DATABASE_URL });

let own: { shopId: string; jobId: string; assetId: string };
let other: { shopId: string; jobId: string; assetId: string };

async function seedShop(label: string) {
  const shop = await makeShop(h, { label });
  await grantPurchase(h.prisma, shop.id, { credits: 20, key: `p-${shop.id}` });
  const jobId = randomUUID();
  await h.prisma.$transaction(async (tx) => {
    await reserveJobs(tx, shop.id, [{ jobId, cost: 2 }]);
    await tx.generationJob.create({
      data: { id: jobId, shopId: shop.id, modelPreset: "m", posePreset: "p", scenePreset: "s", generationType: "standard", costCredits: 2 },
    });
  });
  await h.prisma.jobEvent.create({ data: { jobId, shopId: shop.id, event: "created" } });
  const asset = await h.prisma.asset.create({
    data: { shopId: shop.id, kind: "upload", source: "merchant", bucket: "uploads", path: `${shop.id}/a.png`, mimeType: "image/png", byteSize: 10n },
  });
  await h.prisma.userRole.create({ data: { shopId: shop.id, userId: "1", role: "operator" } });
  await h.prisma.stripeCustomer.create({ data: { shopId: shop.id, stripeCustomerId: `cus_${label}${shop.id.slice(0, 8)}` } });
  return { shopId: shop.id, jobId, assetId: asset.id };
}

/** Runs statements as an API client whose JWT names `shopId` (or no shop), then rolls back. */
async function as<T>(claims: Record<string, unknown> | null, fn: () => Promise<T>, role = "authenticated"): Promise<T> {
  await client.query("begin");
  try {
    await client.query(`set local role ${role}`);
    await client.query("select set_config('request.jwt.claims', $1, true)", [claims ? JSON.stringify(claims) : ""]);
    return await fn();
  } finally {
    await client.query("rollback");
  }
}
const jwt = (shopId: string) => ({ sub: randomUUID(), role: "authenticated", shop_id: shopId });

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

beforeAll(async () => {
  await client.connect();
  own = await seedShop("own");
  other = await seedShop("other");
  await h.prisma.stripeEvent.create({ data: { id: "evt_1", type: "checkout.session.completed" } });
  await h.prisma.shopifyWebhookEvent.create({ data: { eventId: "e1", topic: "app/uninstalled", shopDomain: "x.myshopify.com" } });
});
afterAll(() => client.end());

const selectable = [
  ["shops", "id"],
  ["user_roles", "shop_id"],
  ["credit_balances", "shop_id"],
  ["credits_ledger", "shop_id"],
  ["assets", "shop_id"],
  ["generation_jobs", "shop_id"],
  ["job_events", "shop_id"],
  ["stripe_customers", "shop_id"],
  ["generation_batches", "shop_id"],
  ["app_purchases", "shop_id"],
  ["publications", "shop_id"],
  ["import_runs", "shop_id"],
  ["looks", "shop_id"],
] as const;

describe("row level security", () => {
  it("is on for every table, so a table added without it fails here", async () => {
    const rows = await h.prisma.$queryRaw<{ table: string; rls: boolean }[]>`
      select c.relname::text as "table", c.relrowsecurity as rls
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relkind in ('r', 'p')
       order by c.relname`;
    expect(rows.length).toBeGreaterThan(15);
    expect(rows.filter((r) => !r.rls).map((r) => r.table)).toEqual([]);
  });

  it("lets a shop read only its own rows in every client-readable table", async () => {
    await as(jwt(own.shopId), async () => {
      for (const [table, column] of selectable) {
        const all = await client.query(`select ${column} as shop from public.${table}`);
        expect(all.rows.every((r) => r.shop === own.shopId), table).toBe(true);
        const foreign = await client.query(`select 1 from public.${table} where ${column} = $1`, [other.shopId]);
        expect(foreign.rowCount, table).toBe(0);
      }
      expect((await client.query("select 1 from public.shops")).rowCount).toBe(1);
      expect((await client.query("select 1 from public.job_events")).rowCount).toBe(1);
    });
  });

  it("shows nothing without a shop claim, and nothing at all to anon", async () => {
    await as({ sub: randomUUID(), role: "authenticated" }, async () => {
      for (const [table] of selectable) expect((await client.query(`select 1 from public.${table}`)).rowCount, table).toBe(0);
    });
    await as({ shop_id: "not-a-uuid" }, async () => {
      expect((await client.query("select 1 from public.shops")).rowCount).toBe(0);
    });
    await as(null, async () => {
      for (const [table] of selectable) expect((await attempt(`select 1 from public.${table}`)).error, table).toMatch(/permission denied/);
    }, "anon");
  });

  it("keeps server-only tables closed", async () => {
    await as(jwt(own.shopId), async () => {
      for (const table of ["stripe_events", "shopify_webhook_events", "shopify_sessions"]) {
        expect((await client.query(`select 1 from public.${table}`)).rowCount, table).toBe(0);
        expect((await attempt(`delete from public.${table}`)).rows, table).toBe(0);
      }
      expect((await attempt("insert into public.stripe_events (id, type) values ('evt_x', 'x')")).error).toMatch(/row-level security/);
    });
  });

  it("refuses writes the matrix does not allow", async () => {
    await as(jwt(own.shopId), async () => {
      const refused: [string, unknown[]][] = [
        ["insert into public.credits_ledger (shop_id, tx_type, amount, balance_after, idempotency_key) values ($1, 'bonus', 5, 23, 'free')", [own.shopId]],
        ["update public.credit_balances set balance = 1000 where shop_id = $1", [own.shopId]],
        ["insert into public.user_roles (shop_id, user_id, role) values ($1, '2', 'admin')", [own.shopId]],
        ["update public.shops set plan = 'enterprise' where id = $1", [own.shopId]],
        ["update public.generation_jobs set status = 'completed' where shop_id = $1", [own.shopId]],
        ["delete from public.generation_jobs where shop_id = $1", [own.shopId]],
        ["insert into public.job_events (job_id, shop_id, event) values ($1, $2, 'x')", [own.jobId, own.shopId]],
        ["insert into public.stripe_customers (shop_id, stripe_customer_id) values ($1, 'cus_free')", [own.shopId]],
        ["select public.credits_post($1, '[{\"key\":\"k\",\"type\":\"bonus\",\"amount\":5}]')", [own.shopId]],
      ];
      for (const [sql, params] of refused) {
        const r = await attempt(sql, params);
        expect(r.error !== undefined || r.rows === 0, sql).toBe(true);
      }
      // Updates to another shop's rows match nothing.
      expect((await attempt("update public.shops set name = 'x' where id = $1", [other.shopId])).rows).toBe(0);
      expect((await attempt("delete from public.assets where id = $1", [other.assetId])).rows).toBe(0);
      expect((await attempt("update public.assets set status = 'stale' where id = $1", [other.assetId])).rows).toBe(0);
    });
    const balance = await h.prisma.creditBalance.findUniqueOrThrow({ where: { shopId: own.shopId } });
    expect(balance.balance).toBe(18);
  });

  it("allows the writes the matrix grants on a shop's own rows", async () => {
    await as(jwt(own.shopId), async () => {
      expect((await attempt("update public.shops set name = 'Renamed' where id = $1", [own.shopId])).rows).toBe(1);
      expect((await attempt("update public.assets set status = 'stale' where id = $1", [own.assetId])).rows).toBe(1);
      const ins = await attempt(
        "insert into public.assets (shop_id, kind, source, bucket, path, mime_type, byte_size) values ($1, 'upload', 'merchant', 'uploads', $2, 'image/png', 1)",
        [own.shopId, `${own.shopId}/b.png`],
      );
      expect(ins.error).toBeUndefined();
      expect(
        (await attempt(
          "insert into public.assets (shop_id, kind, source, bucket, path, mime_type, byte_size) values ($1, 'upload', 'merchant', 'uploads', $2, 'image/png', 1)",
          [other.shopId, `${other.shopId}/evil.png`],
        )).error,
      ).toMatch(/row-level security/);
      // A job for your own shop passes the policy but not the ledger: unpaid jobs are refused.
      const job = await attempt(
        "insert into public.generation_jobs (shop_id, model_preset, pose_preset, scene_preset, generation_type, cost_credits) values ($1, 'm', 'p', 's', 'standard', 1)",
        [own.shopId],
      );
      expect(job.error).toMatch(/no matching credit spend/);
      expect((await attempt("delete from public.assets where id = $1", [own.assetId])).rows).toBe(1);
    });
  });
});
