import { execute, parse } from "graphql";
import sharp from "sharp";
import { readyMediaByFilename } from "./filenames";
import { renderGarment } from "./images";
import { strictFieldResolver } from "./graphql/endpoint";
import { queryRoot } from "./graphql/query-root";
import { loadAdminSchema } from "./graphql/schema";
import { parseCdnPath, type SimContext, type SimRuntime } from "./runtime";
import { gid, type MediaRecord, type ShopState } from "./state";

/** The bytes behind an originalSource URL: a staged upload, the simulator's CDN, or the network. */
async function fetchSource(sim: SimRuntime, shop: ShopState, url: string): Promise<Buffer | null> {
  const base = sim.publicUrl();
  if (url.startsWith(`${base}/staged-uploads/`)) {
    const token = url.slice(`${base}/staged-uploads/`.length).split("/")[0]!;
    const staged = sim.stagedUploads.get(token);
    return staged && staged.shop === shop.domain ? staged.bytes : null;
  }
  if (url.startsWith(`${base}/cdn/shop/`)) {
    const file = parseCdnPath(new URL(url).pathname);
    const media = file && readyMediaByFilename(sim.state.shop(file.shop), file.filename);
    return media ? mediaBytes(media) : null;
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    return response.ok ? Buffer.from(await response.arrayBuffer()) : null;
  } catch {
    return null;
  }
}

export async function mediaBytes(media: MediaRecord): Promise<Buffer> {
  return media.source.kind === "generated" ? renderGarment(media.source.spec) : media.source.bytes;
}

/** UPLOADED → PROCESSING → READY (or FAILED for bytes that do not decode), asynchronously. */
export function startMediaProcessing(sim: SimRuntime, shop: ShopState, media: MediaRecord): void {
  const step = Math.max(1, Math.floor(sim.config.mediaProcessingMs / 2));
  setTimeout(() => {
    media.status = "PROCESSING";
    media.updatedAt = new Date();
    setTimeout(() => {
      void (async () => {
        const bytes = await fetchSource(sim, shop, media.originalSource ?? "");
        if (!bytes || bytes.length === 0) {
          media.status = "FAILED";
          media.errors = [{ code: "IMAGE_DOWNLOAD_FAILURE", message: "Image could not be downloaded", details: null }];
        } else {
          try {
            const meta = await sharp(bytes, { limitInputPixels: 25_000_000 }).metadata();
            const format = meta.format === "jpeg" ? "image/jpeg" : meta.format === "png" ? "image/png" : meta.format === "webp" ? "image/webp" : meta.format === "gif" ? "image/gif" : null;
            if (!format || !meta.width || !meta.height) throw new Error("unsupported");
            await sharp(bytes).stats();
            media.source = { kind: "bytes", bytes, filename: media.filename };
            media.mimeType = format;
            media.width = meta.width;
            media.height = meta.height;
            media.status = "READY";
          } catch {
            media.status = "FAILED";
            media.errors = [{ code: "IMAGE_PROCESSING_FAILURE", message: "Image could not be processed", details: null }];
          }
        }
        media.updatedAt = new Date();
      })();
    }, step);
  }, step);
}

type Json = Record<string, unknown>;

function isConnection(value: unknown): value is { edges?: { node: Json }[]; nodes?: Json[] } {
  return Boolean(value && typeof value === "object" && ("edges" in (value as Json) || "nodes" in (value as Json)));
}

/** Shopify's JSONL: one line per node, nested connection nodes carry __parentId. */
function flatten(node: Json, parentId: string | null, lines: string[]): number {
  const own: Json = {};
  const children: Json[][] = [];
  for (const [key, value] of Object.entries(node)) {
    if (isConnection(value)) children.push(value.edges ? value.edges.map((e) => e.node) : (value.nodes ?? []));
    else own[key] = value;
  }
  if (parentId) own.__parentId = parentId;
  lines.push(JSON.stringify(own));
  let count = 1;
  for (const list of children) for (const child of list) count += flatten(child, typeof node.id === "string" ? node.id : parentId, lines);
  return count;
}

export function startBulkOperation(sim: SimRuntime, shop: ShopState, id: number, onFinish: (shop: ShopState, id: number) => void): void {
  const op = shop.bulkOperations.get(id)!;
  setTimeout(() => {
    if (op.status === "CREATED") op.status = "RUNNING";
    setTimeout(() => {
      void (async () => {
        // A cancel takes effect when the operation would have written its results.
        if (op.status === "CANCELING") {
          op.status = "CANCELED";
          op.completedAt = new Date();
          onFinish(shop, id);
          return;
        }
        try {
          const ctx: SimContext = { shop, sim, bulk: true };
          const result = await execute({
            schema: loadAdminSchema(),
            document: parse(op.query),
            rootValue: queryRoot(ctx),
            contextValue: ctx,
            fieldResolver: strictFieldResolver,
          });
          if (result.errors?.length || !result.data) throw new Error(result.errors?.[0]?.message ?? "no data");
          const lines: string[] = [];
          let roots = 0;
          let objects = 0;
          for (const value of Object.values(result.data)) {
            if (!value || typeof value !== "object") continue;
            // A top-level connection gives one root per node; a single object (product(id:) { variants ... }) is one root.
            const nodes = isConnection(value) ? (value.edges ? value.edges.map((e) => e.node) : (value.nodes ?? [])) : [value];
            for (const node of nodes) {
              roots++;
              objects += flatten(node as Json, null, lines);
            }
          }
          op.jsonl = lines.length ? `${lines.join("\n")}\n` : "";
          op.rootObjectCount = roots;
          op.objectCount = objects;
          op.status = "COMPLETED";
        } catch {
          op.status = "FAILED";
          op.errorCode = "INTERNAL_SERVER_ERROR";
        }
        op.completedAt = new Date();
        onFinish(shop, id);
      })();
    }, sim.config.bulkOperationMs);
  }, 20);
}

export function bulkFinishPayload(shop: ShopState, id: number) {
  const op = shop.bulkOperations.get(id)!;
  return {
    admin_graphql_api_id: gid("BulkOperation", id),
    completed_at: op.completedAt?.toISOString() ?? null,
    created_at: op.createdAt.toISOString(),
    error_code: op.errorCode ? op.errorCode.toLowerCase() : null,
    status: op.status.toLowerCase(),
    type: "query",
  };
}
