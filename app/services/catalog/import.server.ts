import { z } from "zod";
import { publishedMediaIds } from "../publish/requests.server";
import type { Db } from "../prisma.server";
import type { AdminGraphQL } from "../shopify/admin-graphql.server";
import { BULK_IN_PROGRESS, bulkLines, bulkOperationState, bulkRunning, startBulkQuery } from "../shopify/bulk-query.server";
import { importShopifyImage, type ImageIngestDeps } from "./import-image.server";
import { BULK_PRODUCT_MEDIA, IMPORT_PRODUCT_MEDIA, type MediaImageNode } from "./queries.server";

export const MAX_SELECTION = 5000;
/** Above this many products an import uses a bulk operation instead of paging. */
export const BULK_THRESHOLD = 250;
// 20 products × 20 media keeps a page's requested cost (~861 points) under Shopify's
// 1,000-point limit for a single query.
const PAGE = 20;

export interface ImportDeps extends ImageIngestDeps {
  admin: AdminGraphQL;
  concurrency?: number;
}

export class ImportInputError extends Error {}

/** The bulk operation has not finished: check again later without holding a worker. */
export class BulkOperationPending extends Error {
  constructor(readonly retryAfterMs: number) {
    super("bulk operation still running");
  }
}

const productGid = z.string().regex(/^gid:\/\/shopify\/Product\/\d+$/, "not a product id");

export async function createImportRun(db: Db, shopId: string, p: { productIds?: string[]; wholeCatalog?: boolean }) {
  if (p.wholeCatalog) return db.importRun.create({ data: { shopId, mode: "catalog" } });
  const ids = z.array(productGid).min(1, "Select at least one product").max(MAX_SELECTION).safeParse([...new Set(p.productIds ?? [])]);
  if (!ids.success) throw new ImportInputError(ids.error.issues[0]?.message ?? "invalid selection");
  const mode = ids.data.length > BULK_THRESHOLD ? "catalog" : "selection";
  return db.importRun.create({ data: { shopId, mode, productIds: ids.data, productsTotal: ids.data.length } });
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

interface Counters {
  imported: number;
  unchanged: number;
  failed: number;
}

async function importMediaList(
  deps: ImportDeps,
  shopId: string,
  items: { productId: string; media: MediaImageNode }[],
  counters: Counters,
): Promise<void> {
  // The app's own published photos are products' media too; they are never source photos.
  const ours = await publishedMediaIds(deps.db, shopId, items.map((i) => i.media.id).filter((id): id is string => Boolean(id)));
  const sources = items.filter((i) => !i.media.id || !ours.has(i.media.id));
  await mapLimit(sources, deps.concurrency ?? 4, async ({ productId, media }) => {
    if (!media.id || media.status !== "READY" || !media.image?.url) return;
    try {
      const outcome = await importShopifyImage(deps, { shopId, productId, mediaId: media.id, url: media.image.url });
      counters[outcome === "imported" ? "imported" : "unchanged"]++;
    } catch {
      counters.failed++;
    }
  });
}

async function saveProgress(db: Db, runId: string, counters: Counters, productsDone: number, extra: Record<string, unknown> = {}) {
  await db.importRun.update({
    where: { id: runId },
    data: {
      productsDone,
      imagesImported: counters.imported,
      imagesUnchanged: counters.unchanged,
      imagesFailed: counters.failed,
      ...extra,
    },
  });
}

/**
 * Runs (or resumes) an import. Progress is saved after each page so a retried or
 * delayed job continues where it stopped; re-importing finished products is cheap
 * because unchanged images are skipped.
 */
export async function runImport(deps: ImportDeps, shopId: string, runId: string): Promise<void> {
  const run = await deps.db.importRun.findFirst({ where: { id: runId, shopId } });
  if (!run || run.status === "completed" || run.status === "failed") return;
  if (run.status === "queued") {
    await deps.db.importRun.update({ where: { id: runId }, data: { status: "running", startedAt: new Date() } });
  }
  const counters: Counters = { imported: run.imagesImported, unchanged: run.imagesUnchanged, failed: run.imagesFailed };
  if (run.mode === "selection") {
    for (let start = run.productsDone; start < run.productIds.length; start += PAGE) {
      const ids = run.productIds.slice(start, start + PAGE);
      const data = await deps.admin.request<{ nodes: ({ id: string; media?: { nodes: MediaImageNode[] } } | null)[] }>(
        IMPORT_PRODUCT_MEDIA,
        { ids },
      );
      const items = data.nodes.flatMap((p) => (p?.media?.nodes ?? []).map((media) => ({ productId: p!.id, media })));
      await importMediaList(deps, shopId, items, counters);
      await saveProgress(deps.db, runId, counters, start + ids.length);
    }
  } else {
    await runBulkImport(deps, shopId, run, counters);
  }
  await deps.db.importRun.update({ where: { id: runId }, data: { status: "completed", finishedAt: new Date() } });
}

async function runBulkImport(
  deps: ImportDeps,
  shopId: string,
  run: { id: string; bulkOperationId: string | null; productIds: string[] },
  counters: Counters,
): Promise<void> {
  let operationId = run.bulkOperationId;
  if (!operationId) {
    const started = await startBulkQuery(deps.admin, BULK_PRODUCT_MEDIA);
    if (started === BULK_IN_PROGRESS) throw new BulkOperationPending(5000);
    operationId = started;
    await deps.db.importRun.update({ where: { id: run.id }, data: { bulkOperationId: operationId } });
  }
  const node = await bulkOperationState(deps.admin, operationId);
  if (bulkRunning(node)) throw new BulkOperationPending(2000);
  if (node.status !== "COMPLETED") throw new Error(`bulk operation ended ${node.status} (${node.errorCode ?? "no code"})`);

  const wanted = run.productIds.length > 0 ? new Set(run.productIds) : null;
  const products = new Set<string>();
  let batch: { productId: string; media: MediaImageNode }[] = [];
  if (node.url) {
    // JSONL is streamed line by line; a 5,000-product catalog is never held in memory.
    for await (const row of bulkLines<MediaImageNode & { __parentId?: string }>(await deps.download(node.url))) {
      if (!row.__parentId) {
        if (!wanted || wanted.has(row.id ?? "")) products.add(row.id ?? "");
        continue;
      }
      if (wanted && !wanted.has(row.__parentId)) continue;
      batch.push({ productId: row.__parentId, media: row });
      if (batch.length >= 100) {
        await importMediaList(deps, shopId, batch, counters);
        batch = [];
        await saveProgress(deps.db, run.id, counters, products.size, { productsTotal: Math.max(products.size, run.productIds.length) });
      }
    }
  }
  await importMediaList(deps, shopId, batch, counters);
  await saveProgress(deps.db, run.id, counters, products.size, { productsTotal: products.size });
}

export async function markImportFailed(db: Db, runId: string, message: string): Promise<void> {
  await db.importRun.updateMany({
    where: { id: runId, status: { in: ["queued", "running"] } },
    data: { status: "failed", errorMessage: message.slice(0, 2000), finishedAt: new Date() },
  });
}
