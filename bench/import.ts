// Catalog import of a 5,000-product shop from the simulated Shopify with a 100 points/s
// bucket: the paginated path's wall time against the theoretical floor its queries'
// actual cost allows (target ≤ 1.15×), and the bulk-operation path against the
// paginated one on the same catalog. Prints figures; run with `npx tsx bench/import.ts`
// (BENCH_PRODUCTS=500 for a quick look).
//
// Each path runs twice on the same shop and catalog:
// - "API-bound": image work (download, ingest, store) stubbed out, so the run is paced
//   by the shop's cost bucket alone; this is the figure compared with the floor;
// - "full pipeline": the real guarded download, ingest and local storage, for the
//   wall time and images per second an import really takes on this machine.
// Between runs the shop's assets are deleted (so every image is imported again) and
// the bench waits for the simulated bucket to refill.
//
// Shopify's libraries capture globalThis.fetch when a client is created: the router
// to the simulated shop must be in place first.
import "../dev/shopify/route-fetch.mjs";
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { DEFAULT_DATABASE_URL } from "../app/lib/env-schema";
import { importDeps } from "../app/services/catalog/import-deps.server";
import type { ImageIngestDeps, IngestedImage } from "../app/services/catalog/import-image.server";
import { BulkOperationPending, createImportRun, runImport } from "../app/services/catalog/import.server";
import { createPrisma } from "../app/services/prisma.server";
import { createAdminGraphQL, ShopifyThrottledError } from "../app/services/shopify/admin-graphql.server";
import { recordInstall } from "../app/services/shops.server";
import type { Storage } from "../app/services/storage/storage.server";
import { createLocalStorage } from "../app/services/storage/local.server";
import { startSimulator } from "../dev/shopify/server";
import { withDatabase } from "../scripts/lib/postgres";
import { ensureTestTemplate } from "../scripts/lib/schema";
import { recorder } from "./lib/results";

const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? 5000);
const RESTORE_RATE = 100;
const BUCKET_SIZE = 2000;
const TARGET_RATIO = 1.15;
const SHOP = "atelier-bench-import.myshopify.com";
const record = recorder("import");

// ---------------------------------------------------------------------------
// Every Admin GraphQL response's extensions.cost, recorded by wrapping the routed
// fetch (the import itself is unchanged). Image downloads go through undici, not here.

interface CostRecord {
  requested: number;
  actual: number;
  throttled: boolean;
}

let recorded: CostRecord[] = [];
let parsing: Promise<void>[] = [];
const fetchDescriptor = Object.getOwnPropertyDescriptor(globalThis, "fetch")!;
const routedFetch = globalThis.fetch;

function requestUrl(input: Parameters<typeof fetch>[0]): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

const recordingFetch: typeof fetch = async (input, init) => {
  const response = await routedFetch(input, init);
  if (/\/admin\/api\/[^/]+\/graphql\.json$/.test(new URL(requestUrl(input)).pathname)) {
    const into = recorded;
    // Parsed on a clone, off the request's path, so recording adds no latency.
    parsing.push(
      response
        .clone()
        .json()
        .then((body: { errors?: { extensions?: { code?: string } }[]; extensions?: { cost?: { requestedQueryCost?: number; actualQueryCost?: number | null } } }) => {
          const cost = body.extensions?.cost;
          const throttled = Array.isArray(body.errors) && body.errors.some((e) => e.extensions?.code === "THROTTLED");
          into.push({ requested: cost?.requestedQueryCost ?? 0, actual: cost?.actualQueryCost ?? 0, throttled });
        })
        .catch(() => {
          into.push({ requested: 0, actual: 0, throttled: false });
        }),
    );
  }
  return response;
};
Object.defineProperty(globalThis, "fetch", { configurable: true, enumerable: true, writable: true, value: recordingFetch });

async function takeRecords(): Promise<CostRecord[]> {
  await Promise.all(parsing);
  const out = recorded;
  recorded = [];
  parsing = [];
  return out;
}

// ---------------------------------------------------------------------------
// Image work stubbed out for the API-bound runs: no download, no decode, nothing
// written. The asset rows are still created (unique hash per image), so the import's
// own bookkeeping stays in the measurement. The bulk result (JSONL) is API data and is
// still downloaded for real.

const STUB_BYTES = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

function stubImageWork(real: ImageIngestDeps): ImageIngestDeps {
  const storage: Storage = {
    ...real.storage,
    put: async (bucket, p, body) => ({ bucket, path: p, size: body.length }),
    delete: async () => undefined,
  };
  return {
    ...real,
    storage,
    async download(url) {
      if (/\.jsonl(\?|$)/.test(new URL(url).pathname)) return real.download(url);
      return (async function* () {})();
    },
    async ingest(source): Promise<IngestedImage> {
      for await (const chunk of source) void chunk;
      return {
        bytes: STUB_BYTES,
        mimeType: "image/jpeg",
        ext: "jpg",
        width: 1,
        height: 1,
        sourceSha256: createHash("sha256").update(randomUUID()).digest("hex"),
      };
    },
    newKey: (ext) => `${randomUUID()}.${ext}`,
  };
}

// ---------------------------------------------------------------------------

interface RunResult {
  label: string;
  wallMs: number;
  requests: number;
  requested: number;
  actual: number;
  throttled: number;
  initialBucket: number;
  floorS: number;
  imported: number;
  failed: number;
  productsDone: number;
  polls: number;
  pollWaitMs: number;
  /** Bulk path: how long the operation itself ran in the simulated shop. */
  bulkRunMs: number | null;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const s = (ms: number) => (ms / 1000).toFixed(1);

const base = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
const dbName = `atelier_t_p${process.pid}_bench_import`;
const pgAdmin = new pg.Client({ connectionString: withDatabase(base, "postgres") });
await pgAdmin.connect();
await pgAdmin.query(`create database "${dbName}" template "${await ensureTestTemplate(base)}"`);
const db = createPrisma(withDatabase(base, dbName), 8);
const sim = await startSimulator({
  appUrl: "http://127.0.0.1:9",
  apiKey: "atelier-bench-api-key",
  apiSecret: "atelier-bench-api-secret-not-for-production",
  products: PRODUCTS,
  restoreRate: RESTORE_RATE,
  bucketSize: BUCKET_SIZE,
});
process.env.SHOPIFY_SIMULATOR_URL = sim.url;
const storageRoot = await mkdtemp(path.join(tmpdir(), "atelier-bench-import-"));

try {
  const shop = await recordInstall(db.prisma, { domain: SHOP, welcomeCredits: 0 });
  const tokenResponse = await fetch(`${sim.url}/__sim/access-tokens`, { method: "POST", body: JSON.stringify({ shop: SHOP }) });
  const { accessToken } = (await tokenResponse.json()) as { accessToken: string };
  const simShop = sim.runtime.state.shop(SHOP);
  // The catalog straight from the simulator's state, so listing it spends no points.
  const productIds = [...simShop.products.keys()].map((id) => `gid://shopify/Product/${id}`);
  const images = [...simShop.products.values()].reduce(
    (n, p) => n + p.mediaIds.filter((id) => simShop.media.get(id)?.status === "READY").length,
    0,
  );
  const storage = createLocalStorage({ driver: "local", root: storageRoot, appUrl: "http://127.0.0.1:9", signingSecret: "b".repeat(40) });
  const realImageDeps = importDeps(db.prisma, storage, { allowHttp: true, allowedOrigins: [sim.url] });
  const admin = createAdminGraphQL({ shop: SHOP, accessToken });

  /** The simulated bucket's level now, refilled as the simulator computes it. */
  const bucketLevel = () =>
    Math.min(BUCKET_SIZE, simShop.bucket.available + ((Date.now() - simShop.bucket.at) / 1000) * RESTORE_RATE);

  async function prepare(): Promise<void> {
    await db.prisma.asset.deleteMany({ where: { shopId: shop.id } });
    await storage.deletePrefix("uploads", shop.id);
    // Idle until the shop's bucket is full again, as it would be before a fresh import.
    const deficit = BUCKET_SIZE - bucketLevel();
    if (deficit > 0) await sleep(Math.ceil((deficit / RESTORE_RATE) * 1000) + 50);
    await takeRecords();
  }

  async function measure(label: string, mode: "selection" | "catalog", stubbed: boolean): Promise<RunResult> {
    await prepare();
    const deps = { ...(stubbed ? stubImageWork(realImageDeps) : realImageDeps), admin };
    const run =
      mode === "selection"
        ? await db.prisma.importRun.create({ data: { shopId: shop.id, mode: "selection", productIds, productsTotal: productIds.length } })
        : await createImportRun(db.prisma, shop.id, { wholeCatalog: true });
    const initialBucket = bucketLevel();
    const started = performance.now();
    let polls = 0;
    let pollWaitMs = 0;
    for (;;) {
      try {
        await runImport(deps, shop.id, run.id);
        break;
      } catch (error) {
        // As the import worker does: resume after the delay the import asks for.
        if (error instanceof BulkOperationPending) {
          polls++;
          pollWaitMs += error.retryAfterMs;
        } else if (!(error instanceof ShopifyThrottledError)) {
          throw error;
        }
        await sleep(error.retryAfterMs);
      }
    }
    const wallMs = performance.now() - started;
    const records = await takeRecords();
    const done = await db.prisma.importRun.findUniqueOrThrow({ where: { id: run.id } });
    if (done.status !== "completed") throw new Error(`${label}: run ended ${done.status}`);
    const requested = records.reduce((n, r) => n + r.requested, 0);
    const actual = records.reduce((n, r) => n + r.actual, 0);
    // The floor. The bucket holds `initialBucket` points at the start and refills at
    // RESTORE_RATE points/s. Each query is charged its requested cost up front and
    // refunded the difference to its actual cost, so the run as a whole drains exactly
    // the sum of actual costs. The last query cannot be answered before the bucket has
    // supplied all of them: floor = max(0, Σ actual − initialBucket) / RESTORE_RATE.
    // It ignores request latency and the requested-cost headroom the last query needs,
    // so it is slightly optimistic: no client can beat it.
    const floorS = Math.max(0, actual - initialBucket) / RESTORE_RATE;
    const op = done.bulkOperationId ? simShop.bulkOperations.get(Number(done.bulkOperationId.split("/").pop())) : undefined;
    return {
      label,
      wallMs,
      requests: records.length,
      requested,
      actual,
      throttled: records.filter((r) => r.throttled).length,
      initialBucket,
      floorS,
      imported: done.imagesImported,
      failed: done.imagesFailed,
      productsDone: done.productsDone,
      polls,
      pollWaitMs,
      bulkRunMs: op?.completedAt ? op.completedAt.getTime() - op.createdAt.getTime() : null,
    };
  }

  console.log(
    `catalog: ${PRODUCTS} products, ${images} images; bucket ${BUCKET_SIZE} points, restore ${RESTORE_RATE} points/s; ` +
      `${availableParallelism()} CPUs`,
  );
  console.log(
    "floor = max(0, Σ actual cost − bucket level at start) / restore rate: the bucket must supply every actual point, " +
      "and beyond its starting level only at the restore rate.",
  );

  const results: RunResult[] = [];
  const report = (r: RunResult, target?: number) => {
    results.push(r);
    const ratio = r.floorS > 0 ? r.wallMs / 1000 / r.floorS : Number.NaN;
    record({
      figure: `wall, ${r.label}`,
      value: r.wallMs / 1000,
      unit: "s",
      // A zero floor stays in the record: the target is on the ratio, which then has no verdict.
      floor: { label: "cost-bucket floor", value: r.floorS, unit: "s" },
      ...(r.floorS > 0 ? { ratio } : {}),
      ...(target === undefined ? {} : { target: { op: "<=", value: target } }),
      note:
        `${r.requests} API requests, ${r.throttled} THROTTLED; ${r.imported} images imported, ${r.failed} failed` +
        (r.floorS > 0 ? "" : "; no floor: the whole run fits in the starting bucket") +
        (r.bulkRunMs === null ? "" : `; ${s(r.pollWaitMs)} s of it the ${r.polls} retry delay(s) while the bulk operation ran`),
    });
    console.log(`\n${r.label}`);
    console.log(`  products ${r.productsDone}, images imported ${r.imported}, failed ${r.failed}`);
    console.log(
      `  API requests ${r.requests}; cost requested ${r.requested}, actual ${r.actual}; THROTTLED responses ${r.throttled}` +
        (r.requests ? `; ${(r.actual / r.requests).toFixed(1)} actual points per request` : ""),
    );
    console.log(
      `  wall ${s(r.wallMs)} s; floor ${r.floorS.toFixed(1)} s (from ${Math.round(r.initialBucket)} points in the bucket); ` +
        (r.floorS > 0 ? `ratio ${ratio.toFixed(3)}×` : "ratio n/a (the whole run fits in the starting bucket)"),
    );
    if (r.bulkRunMs !== null) {
      console.log(
        `  the bulk operation ran ${r.bulkRunMs} ms in the simulated shop (a real shop takes far longer for a large catalog); ` +
          `${s(r.pollWaitMs)} s of the wall were the ${r.polls} retry delay(s) the import asks the worker for while it runs`,
      );
    }
    return ratio;
  };

  const pagedApi = await measure("paginated, API-bound (image work stubbed)", "selection", true);
  const pagedRatio = report(pagedApi, TARGET_RATIO);
  const verdict = Number.isNaN(pagedRatio) ? "n/a (no floor: use more products)" : pagedRatio <= TARGET_RATIO ? "met" : "NOT met";
  console.log(`  target ≤ ${TARGET_RATIO}× the floor: ${verdict}`);
  const bulkApi = await measure("bulk operation, API-bound (image work stubbed)", "catalog", true);
  report(bulkApi);
  console.log(`  bulk / paginated wall: ${(bulkApi.wallMs / pagedApi.wallMs).toFixed(3)}×`);
  record({ figure: "bulk / paginated wall, API-bound", value: bulkApi.wallMs / pagedApi.wallMs, unit: "×" });

  const pagedFull = await measure("paginated, full pipeline", "selection", false);
  report(pagedFull);
  console.log(`  ${((pagedFull.imported / pagedFull.wallMs) * 1000).toFixed(1)} images/s`);
  record({ figure: "images per second, paginated, full pipeline", value: (pagedFull.imported / pagedFull.wallMs) * 1000, unit: "images/s" });
  const bulkFull = await measure("bulk operation, full pipeline", "catalog", false);
  report(bulkFull);
  console.log(`  ${((bulkFull.imported / bulkFull.wallMs) * 1000).toFixed(1)} images/s`);
  record({ figure: "images per second, bulk operation, full pipeline", value: (bulkFull.imported / bulkFull.wallMs) * 1000, unit: "images/s" });
  console.log(`  bulk / paginated wall: ${(bulkFull.wallMs / pagedFull.wallMs).toFixed(3)}×`);
  record({ figure: "bulk / paginated wall, full pipeline", value: bulkFull.wallMs / pagedFull.wallMs, unit: "×" });

  const throttled = results.reduce((n, r) => n + r.throttled, 0);
  console.log(
    `\nsummary: paginated API-bound ${s(pagedApi.wallMs)} s against a ${pagedApi.floorS.toFixed(1)} s floor ` +
      (Number.isNaN(pagedRatio) ? "" : `= ${pagedRatio.toFixed(3)}× `) +
      `(target ≤ ${TARGET_RATIO}×: ${verdict}); ` +
      `bulk ${(bulkApi.wallMs / pagedApi.wallMs).toFixed(3)}× paginated API-bound, ${(bulkFull.wallMs / pagedFull.wallMs).toFixed(3)}× full; ` +
      `THROTTLED ${throttled}`,
  );
  for (const r of results) {
    if (r.imported + r.failed !== images) console.log(`warning: ${r.label} imported ${r.imported} + failed ${r.failed} of ${images} images`);
  }
} finally {
  Object.defineProperty(globalThis, "fetch", fetchDescriptor);
  await sim.close();
  await db.close();
  await rm(storageRoot, { recursive: true, force: true });
  await pgAdmin.query(`drop database if exists "${dbName}" with (force)`);
  await pgAdmin.end();
}
