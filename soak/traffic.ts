// The merchants: each simulated shop installs the app, has photos of its products,
// and then, at a human-ish pace until the traffic window closes, creates shoots of
// various sizes, buys packs on Shopify's approval page (sometimes declining), cancels
// work, approves and publishes photos, and sometimes uninstalls. Every call goes
// through the app's own services, and every outcome is told to the model.
import { randomUUID } from "node:crypto";
import type { PrismaClient } from "@prisma/client";
import type { Queue } from "bullmq";
import { DEFAULT_CREDIT_PACKS } from "../app/lib/credit-packs";
import { enqueueGenerationJobs } from "../app/lib/generate-queue.server";
import { enqueuePublications } from "../app/lib/publish-queue.server";
import { BillingError, startShopifyPurchase, syncShopifyPurchase } from "../app/services/billing/shopify-billing.server";
import { handlePurchaseWebhook } from "../app/services/billing/purchase-webhook.server";
import { CreditError, InsufficientCreditsError } from "../app/services/credits/errors.server";
import { handleUninstall } from "../app/services/lifecycle.server";
import { requestPublish } from "../app/services/publish/requests.server";
import { setReviewState } from "../app/services/review/review.server";
import { createShoot, ShootInputError } from "../app/services/shoots/create.server";
import { cancelJobs } from "../app/services/shoots/job-state.server";
import { RateLimitedError } from "../app/services/shoots/rate-limit.server";
import { createAdminGraphQL, type AdminGraphQL } from "../app/services/shopify/admin-graphql.server";
import { encryptToken, tokenKeys } from "../app/services/shopify/token-crypto.server";
import { recordInstall } from "../app/services/shops.server";
import type { Storage } from "../app/services/storage/storage.server";
import type { Simulator } from "../dev/shopify/server";
import { Job } from "bullmq";
import type { LedgerModel, GenerationType } from "./model";
import { rng, sleep, withTimeout, type Rng } from "./util";

export const WELCOME_CREDITS = 20;
const PRODUCTS_PER_SHOP = 12;
const SHOOT_SIZES = [1, 1, 1, 2, 2, 3, 4, 5, 8, 12];

export interface TrafficDeps {
  db: PrismaClient;
  sim: Simulator;
  storage: Storage;
  generate: Queue;
  publish: Queue;
  model: LedgerModel;
  /** Product photos to use as inputs (JPEG bytes). */
  photos: Buffer[];
  seed: number;
  maxShootProducts: number;
  thinkMs: number;
}

export interface TrafficStats {
  actions: Record<string, number>;
  /** Errors the driver retried (a connection cut by the storm, Redis away), by message head. */
  retried: Record<string, number>;
  /** Answers that were final: not enough credits, over the hourly limit, Shopify refusing. */
  refused: Record<string, number>;
  /** Calls that never got an answer after every retry: the app did not recover. */
  gaveUp: string[];
  enqueueDeferred: number;
}

const DEFINITIVE = [CreditError, RateLimitedError, ShootInputError, BillingError];

/** Every retry failed; already recorded in the stats. */
class GaveUpError extends Error {}

/** Retries what a cut connection or a restarting Redis breaks; final answers pass through. */
async function retrying<T>(stats: TrafficStats, what: string, fn: () => Promise<T>, tries = 15): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (error) {
      if (DEFINITIVE.some((E) => error instanceof E)) throw error;
      const head = `${what}: ${(error instanceof Error ? error.message : String(error)).split("\n").find((l) => l.trim()) ?? "?"}`.slice(0, 120);
      stats.retried[head] = (stats.retried[head] ?? 0) + 1;
      if (i >= tries) {
        stats.gaveUp.push(head);
        throw new GaveUpError(head, { cause: error });
      }
      await sleep(Math.min(2_000, 100 * 2 ** i));
    }
  }
}

interface Shop {
  id: string;
  domain: string;
  admin: AdminGraphQL;
  products: string[];
  batches: string[];
  published: Set<string>;
}

const count = (into: Record<string, number>, key: string) => (into[key] = (into[key] ?? 0) + 1);

async function install(deps: TrafficDeps, stats: TrafficStats, index: number): Promise<Shop> {
  const domain = `soak-${deps.seed}-${index}.myshopify.com`;
  const r = await fetch(`${deps.sim.url}/__sim/access-tokens`, { method: "POST", body: JSON.stringify({ shop: domain }) });
  const { accessToken } = (await r.json()) as { accessToken: string };
  const shop = await retrying(stats, "install", async () => {
    await deps.db.session.upsert({
      where: { id: `offline_${domain}` },
      create: { id: `offline_${domain}`, shop: domain, state: "", isOnline: false, scope: "read_products,write_products,write_files", accessToken: encryptToken(tokenKeys(), accessToken) },
      update: {},
    });
    return recordInstall(deps.db, { domain, welcomeCredits: WELCOME_CREDITS });
  });
  deps.model.install(shop.id, domain, WELCOME_CREDITS);
  const productIds = [...deps.sim.runtime.state.shop(domain).products.keys()].slice(0, PRODUCTS_PER_SHOP);
  const products: string[] = [];
  for (const [i, numeric] of productIds.entries()) {
    const productId = `gid://shopify/Product/${numeric}`;
    const bytes = deps.photos[(index + i) % deps.photos.length]!;
    const path = `${shop.id}/${randomUUID()}.jpg`;
    await retrying(stats, "photo", async () => {
      await deps.storage.put("uploads", path, bytes, { contentType: "image/jpeg" });
      await deps.db.asset.upsert({
        where: { bucket_path: { bucket: "uploads", path } },
        create: { shopId: shop.id, kind: "upload", source: "shopify", bucket: "uploads", path, productId, mimeType: "image/jpeg", byteSize: BigInt(bytes.length), width: 512, height: 512 },
        update: {},
      });
    });
    products.push(productId);
  }
  return { id: shop.id, domain, admin: createAdminGraphQL({ shop: domain, accessToken }), products, batches: [], published: new Set() };
}

async function buyPack(deps: TrafficDeps, stats: TrafficStats, shop: Shop, r: Rng): Promise<void> {
  const pack = r.pick(DEFAULT_CREDIT_PACKS.slice(0, 2));
  let started: { purchaseId: string; confirmationUrl: string };
  try {
    // Not retried: a purchase Shopify created but we did not record is one the merchant never sees.
    started = await startShopifyPurchase(deps.db, shop.admin, shop.id, pack, { returnUrl: `${deps.sim.url}/store/x/apps/atelier/app/credits`, test: true });
  } catch (error) {
    count(stats.refused, `purchase not started: ${error instanceof Error ? error.name : "error"}`);
    return;
  }
  const row = await retrying(stats, "purchase row", () => deps.db.appPurchase.findUniqueOrThrow({ where: { id: started.purchaseId } }));
  const approve = r.chance(0.85);
  const decided = await fetch(`${started.confirmationUrl}?decision=${approve ? "approve" : "decline"}`, { method: "POST", redirect: "manual" });
  if (decided.status !== 303) throw new Error(`Shopify's approval page answered ${decided.status}`);
  if (approve) deps.model.approvedPack(shop.id, row.shopifyPurchaseId!, row.credits);
  else deps.model.declinedPack(shop.id);
  count(stats.actions, approve ? "pack bought" : "pack declined");
  // The return page and two deliveries of the webhook race, as they do on Shopify.
  const payload = { app_purchase_one_time: { admin_graphql_api_id: row.shopifyPurchaseId!, status: approve ? "ACTIVE" : "DECLINED" } };
  await Promise.all([
    retrying(stats, "purchase return", () => syncShopifyPurchase(deps.db, shop.admin, shop.id, row.shopifyPurchaseId!)),
    retrying(stats, "purchase webhook", () => handlePurchaseWebhook(deps.db, shop.domain, payload)),
    retrying(stats, "purchase webhook", () => handlePurchaseWebhook(deps.db, shop.domain, payload)),
  ]);
}

/** The run's shoots, released evenly over the traffic window so the load is steady. */
interface ShootBudget {
  total: number;
  used: number;
  start: number;
  until: number;
}

async function shoot(deps: TrafficDeps, stats: TrafficStats, shop: Shop, r: Rng, budget: ShootBudget): Promise<void> {
  const released = Math.ceil((budget.total * (Date.now() - budget.start)) / (budget.until - budget.start));
  if (budget.used >= Math.min(budget.total, released)) return;
  budget.used++;
  const size = Math.min(deps.maxShootProducts, r.pick(SHOOT_SIZES), shop.products.length);
  const start = r.int(0, shop.products.length - size);
  const productIds = shop.products.slice(start, start + size);
  const variations = r.chance(0.2) ? 2 : 1;
  const type: GenerationType = r.chance(0.25) ? "hd" : "standard";
  const clientKey = randomUUID();
  const input = {
    clientKey,
    productIds,
    options: { modelPreset: "fashion_model_v1", posePreset: "standing", scenePreset: "studio", generationType: type, variations },
  } as const;
  let created;
  try {
    // The same client key on every try: a shoot whose commit was cut off is found, not made twice.
    created = await retrying(stats, "create shoot", () => createShoot(deps.db, shop.id, input));
  } catch (error) {
    if (error instanceof InsufficientCreditsError) {
      count(stats.refused, "shoot: insufficient credits");
      return buyPack(deps, stats, shop, r);
    }
    if (DEFINITIVE.some((E) => error instanceof E)) {
      count(stats.refused, `shoot: ${(error as Error).name}`);
      return;
    }
    throw error;
  }
  deps.model.shoot(shop.id, { batchId: created.batchId, jobIds: created.jobIds, costCredits: created.costCredits, images: size * variations, type });
  shop.batches.push(created.batchId);
  count(stats.actions, "shoot");
  count(stats.actions, `shoot of ${size * variations}`);
  // As the app does: bounded, and with Redis away the jobs wait for the sweeper.
  try {
    await withTimeout(enqueueGenerationJobs(deps.generate, deps.db, shop.id, created.jobIds), 5_000);
  } catch {
    stats.enqueueDeferred++;
  }
}

async function cancel(deps: TrafficDeps, stats: TrafficStats, shop: Shop, r: Rng): Promise<void> {
  const batchId = shop.batches.at(-1 - r.int(0, Math.min(2, shop.batches.length - 1)));
  if (!batchId) return;
  const jobs = await retrying(stats, "list jobs", () => deps.db.generationJob.findMany({ where: { shopId: shop.id, batchId }, select: { id: true } }));
  const ids = jobs.map((j) => j.id).filter(() => r.chance(0.7));
  let cancelled: string[] = [];
  try {
    cancelled = await cancelJobs(deps.db, shop.id, ids);
  } catch {
    // Cut off midway: what was cancelled is read back below, as the shoot page would.
    count(stats.retried, "cancel: interrupted");
    const rows = await retrying(stats, "cancel readback", () =>
      deps.db.jobEvent.findMany({ where: { shopId: shop.id, jobId: { in: ids }, event: "cancelled" }, select: { jobId: true } }),
    );
    cancelled = rows.map((e) => e.jobId);
  }
  deps.model.cancelled(shop.id, cancelled);
  count(stats.actions, "cancel");
  stats.actions["jobs cancelled"] = (stats.actions["jobs cancelled"] ?? 0) + cancelled.length;
  // Work in flight at the provider is stopped there by the worker: wake it.
  for (const id of cancelled) {
    await withTimeout(
      (async () => {
        const job = await Job.fromId(deps.generate, id);
        if (job && (await job.isDelayed())) await job.promote();
      })(),
      2_000,
    ).catch(() => undefined);
  }
}

async function publish(deps: TrafficDeps, stats: TrafficStats, shop: Shop, r: Rng): Promise<void> {
  const done = await retrying(stats, "list completed", () =>
    deps.db.generationJob.findMany({ where: { shopId: shop.id, status: "completed", reviewState: "new" }, select: { id: true }, take: 20 }),
  );
  const chosen = done.map((j) => j.id).filter(() => r.chance(0.6)).slice(0, 4);
  if (chosen.length === 0) return;
  await retrying(stats, "approve", () => setReviewState(deps.db, shop.id, chosen, "approved"));
  const ids = await retrying(stats, "request publish", () => requestPublish(deps.db, shop.id, chosen, { position: r.chance(0.3) ? "featured" : "append", attachVariants: false }));
  count(stats.actions, "publish");
  stats.actions["photos published"] = (stats.actions["photos published"] ?? 0) + ids.length;
  try {
    await withTimeout(enqueuePublications(deps.publish, ids.map((id) => ({ id, shopId: shop.id }))), 5_000);
  } catch {
    stats.enqueueDeferred++;
  }
}

async function uninstall(deps: TrafficDeps, stats: TrafficStats, shop: Shop): Promise<void> {
  await retrying(stats, "uninstall", () => handleUninstall(deps.db, shop.domain));
  deps.model.uninstalled(shop.id);
  count(stats.actions, "uninstall");
}

/** Runs every shop until `until`; returns what the driver did. */
export async function runTraffic(deps: TrafficDeps, shops: number, until: number, maxShoots: number): Promise<TrafficStats> {
  const stats: TrafficStats = { actions: {}, retried: {}, refused: {}, gaveUp: [], enqueueDeferred: 0 };
  const started = Date.now();
  const budget: ShootBudget = { total: maxShoots, used: 0, start: started, until };
  const actor = async (index: number) => {
    const r = rng(deps.seed * 1000 + index);
    // Shops arrive over the first few seconds rather than all at one instant.
    await sleep(r.int(0, 3_000));
    const shop = await install(deps, stats, index);
    count(stats.actions, "install");
    // About one shop in six leaves during the run, somewhere in its second half.
    const leavesAt = r.chance(1 / 6) ? started + (until - started) * (0.5 + 0.4 * r.next()) : Infinity;
    while (Date.now() < until) {
      await sleep(Math.round(deps.thinkMs * (0.5 + r.next())));
      if (Date.now() >= until) break;
      try {
        if (Date.now() >= leavesAt) {
          await uninstall(deps, stats, shop);
          return;
        }
        const x = r.next();
        if (x < 0.5) await shoot(deps, stats, shop, r, budget);
        else if (x < 0.62) await cancel(deps, stats, shop, r);
        else if (x < 0.85) await publish(deps, stats, shop, r);
        else await buyPack(deps, stats, shop, r);
      } catch (error) {
        // The shop carries on, as a merchant would after an error page.
        if (!(error instanceof GaveUpError)) stats.gaveUp.push(`unexpected: ${error instanceof Error ? error.message : String(error)}`.slice(0, 200));
      }
    }
  };
  await Promise.all(Array.from({ length: shops }, (_, i) => actor(i)));
  return stats;
}
