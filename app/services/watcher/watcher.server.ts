import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { readWatcherSettings } from "../../lib/shop-settings";
import { CreditError } from "../credits/errors.server";
import { publishedMediaIds } from "../publish/requests.server";
import { listLooks } from "../shoots/looks.server";
import { BudgetExceededError, createShoot, ShootInputError } from "../shoots/create.server";
import { RateLimitedError } from "../shoots/rate-limit.server";

// The catalog watcher: products/create and products/update name a product's media; a
// photo the watcher has not seen, newer than when watching started, becomes a draft
// shoot with the shop's default look. Drafts wait for the merchant unless auto-run is
// on; either way the shoot is created (and the budget checked, under the shop's lock)
// once the photo is in Atelier.

const payload = z.object({
  id: z.union([z.number(), z.string()]),
  admin_graphql_api_id: z.string().optional(),
  media: z
    .array(
      z.object({
        admin_graphql_api_id: z.string().max(200),
        media_content_type: z.string().optional(),
        created_at: z.string().optional(),
      }),
    )
    .max(500)
    .optional(),
});

/** A photo waiting this long for its import is given up on. */
const IMPORT_PATIENCE_MS = 60 * 60_000;

export interface WatchOutcome {
  /** Products whose new photo should be imported now (the caller enqueues the import). */
  importProductIds: string[];
  drafts: number;
}

/** Records the new photos a product webhook names; idempotent per photo. */
export async function watchProductChange(db: PrismaClient, shopId: string, raw: unknown): Promise<WatchOutcome> {
  const none = { importProductIds: [], drafts: 0 };
  const shop = await db.shop.findUnique({ where: { id: shopId }, select: { settings: true, uninstalledAt: true } });
  if (!shop || shop.uninstalledAt) return none;
  const settings = readWatcherSettings(shop.settings);
  if (!settings.watchCatalog) return none;
  const p = payload.parse(raw);
  const productId = p.admin_graphql_api_id ?? `gid://shopify/Product/${p.id}`;
  const since = settings.watchSince ? Date.parse(settings.watchSince) : Date.now();
  const images = (p.media ?? []).filter((m) => (m.media_content_type ?? "IMAGE") === "IMAGE" && (!m.created_at || Date.parse(m.created_at) >= since));
  // The app's own published photos are product media too; they never start a shoot.
  const ours = await publishedMediaIds(db, shopId, images.map((m) => m.admin_graphql_api_id));
  const fresh = images.filter((m) => !ours.has(m.admin_graphql_api_id));
  if (fresh.length === 0) return none;
  const known = await db.watcherDraft.findMany({
    where: { shopId, mediaId: { in: fresh.map((m) => m.admin_graphql_api_id) } },
    select: { mediaId: true },
  });
  const seen = new Set(known.map((k) => k.mediaId));
  const unseen = fresh.map((m) => m.admin_graphql_api_id).filter((id) => !seen.has(id));
  if (unseen.length === 0) return none;
  // One draft per product at a time: a product that gains three photos is shot once.
  const open = await db.watcherDraft.count({ where: { shopId, productId, status: { in: ["draft", "approved"] } } });
  const first = open === 0 ? (settings.watcherAutoRun ? "approved" : "draft") : "seen";
  const inserted = await db.$queryRaw<{ id: string; status: string }[]>`
    insert into public.watcher_drafts (shop_id, product_id, media_id, status)
    select ${shopId}::uuid, ${productId}, m, case when ord = 1 then ${first} else 'seen' end
      from unnest(${unseen}::text[]) with ordinality as t(m, ord)
    on conflict (shop_id, media_id) do nothing
    returning id, status`;
  const drafts = inserted.filter((r) => r.status !== "seen").length;
  return { importProductIds: drafts > 0 ? [productId] : [], drafts };
}

export async function decideDraft(db: PrismaClient, shopId: string, draftId: string, decision: "approved" | "rejected"): Promise<boolean> {
  const result = await db.watcherDraft.updateMany({ where: { id: draftId, shopId, status: "draft" }, data: { status: decision, decidedAt: new Date() } });
  return result.count === 1;
}

export type DraftRun = { draftId: string; shopId: string; outcome: "shot" | "waiting" | "over_budget" | "failed"; batchId?: string; jobIds?: string[] };

/**
 * Shoots approved drafts whose product photo is in Atelier, charging credits within
 * the watcher's monthly budget. Returns what happened to each, for enqueueing.
 */
export async function runApprovedDrafts(db: PrismaClient, p: { shopId?: string; limit?: number; now?: Date } = {}): Promise<DraftRun[]> {
  const now = p.now ?? new Date();
  const drafts = await db.watcherDraft.findMany({
    where: { status: "approved", ...(p.shopId ? { shopId: p.shopId } : {}) },
    orderBy: { createdAt: "asc" },
    take: p.limit ?? 200,
    include: { shop: { select: { settings: true, uninstalledAt: true } } },
  });
  const runs: DraftRun[] = [];
  const close = async (id: string, status: string, reason: string | null, batchId?: string) =>
    db.watcherDraft.updateMany({ where: { id, status: "approved" }, data: { status, reason, batchId, decidedAt: now } });
  for (const d of drafts) {
    const settings = readWatcherSettings(d.shop.settings);
    const look = (await listLooks(db, d.shopId)).find((l) => l.id === settings.watcherLookId);
    if (d.shop.uninstalledAt || !look) {
      await close(d.id, "failed", d.shop.uninstalledAt ? "The app was uninstalled." : "Choose a default look for the watcher in Settings.");
      runs.push({ draftId: d.id, shopId: d.shopId, outcome: "failed" });
      continue;
    }
    try {
      const shoot = await createShoot(db, d.shopId, {
        clientKey: `watcher-${d.id}`,
        productIds: [d.productId],
        options: look.options,
        name: `New photo: ${look.name}`,
        source: "watcher",
        monthlyBudget: settings.watcherMonthlyBudget,
      });
      await close(d.id, "shot", null, shoot.batchId);
      runs.push({ draftId: d.id, shopId: d.shopId, outcome: "shot", batchId: shoot.batchId, jobIds: shoot.jobIds });
    } catch (error) {
      if (error instanceof ShootInputError && now.getTime() - d.createdAt.getTime() < IMPORT_PATIENCE_MS) {
        runs.push({ draftId: d.id, shopId: d.shopId, outcome: "waiting" });
        continue;
      }
      if (error instanceof BudgetExceededError) {
        await close(d.id, "over_budget", error.message);
        runs.push({ draftId: d.id, shopId: d.shopId, outcome: "over_budget" });
        continue;
      }
      if (error instanceof ShootInputError || error instanceof CreditError || error instanceof RateLimitedError) {
        await close(d.id, "failed", error.message);
        runs.push({ draftId: d.id, shopId: d.shopId, outcome: "failed" });
        continue;
      }
      throw error;
    }
  }
  return runs;
}

/** Drafts waiting for the merchant or for their photo, and recent ones that could not be shot. */
export function openDrafts(db: PrismaClient, shopId: string) {
  return db.watcherDraft.findMany({
    where: {
      shopId,
      OR: [{ status: { in: ["draft", "approved"] } }, { status: { in: ["over_budget", "failed"] }, decidedAt: { gte: new Date(Date.now() - 7 * 86_400_000) } }],
    },
    orderBy: { createdAt: "desc" },
    take: 50,
  });
}
