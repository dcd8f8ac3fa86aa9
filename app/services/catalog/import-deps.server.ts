import type { PrismaClient } from "@prisma/client";
import { ingestImage, newAssetKey, type StoredImageExt } from "../images/ingest.server";
import { guardedFetch } from "../net/guarded-fetch.server";
import type { Storage } from "../storage/storage.server";
import type { ImageIngestDeps } from "./import-image.server";

export interface FetchPolicy {
  /** Plain http is for development only. */
  allowHttp: boolean;
  /** Origins exempt from the public-address check (a local simulated shop in development). */
  allowedOrigins: string[];
}

// Shopify's CDN serves product images up to 20 MB; bulk results can be far larger.
const IMAGE_LIMITS = { maxBytes: 25 * 1024 * 1024, timeoutMs: 60_000 };
const JSONL_LIMITS = { maxBytes: 2 * 1024 * 1024 * 1024, timeoutMs: 30 * 60_000 };

/** Wires the import to the guarded fetch, the image ingest and the storage adapter. */
export function importDeps(db: PrismaClient, storage: Storage, policy: FetchPolicy): ImageIngestDeps {
  return {
    db,
    storage,
    async download(url: string) {
      const limits = /\.jsonl(\?|$)/.test(new URL(url).pathname) ? JSONL_LIMITS : IMAGE_LIMITS;
      const response = await guardedFetch(url, { ...limits, allowHttp: policy.allowHttp, allowedOrigins: policy.allowedOrigins });
      return response.body;
    },
    ingest: (source) => ingestImage(source),
    newKey: (ext) => newAssetKey(ext as StoredImageExt),
  };
}
