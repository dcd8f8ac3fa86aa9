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

/** The policy a process's environment sets: plain http and stand-in origins outside production only. */
export function fetchPolicyOf(env: { NODE_ENV: string; FETCH_ALLOWED_ORIGINS: string[] }): FetchPolicy {
  return { allowHttp: env.NODE_ENV !== "production", allowedOrigins: env.FETCH_ALLOWED_ORIGINS };
}

// Shopify's CDN serves product images up to 20 MB; bulk results can be far larger.
const IMAGE_LIMITS = { maxBytes: 25 * 1024 * 1024, timeoutMs: 60_000 };
const JSONL_LIMITS = { maxBytes: 2 * 1024 * 1024 * 1024, timeoutMs: 30 * 60_000 };

/** Downloads of Shopify's files (product images, bulk results) through the guarded fetch. */
export function shopifyDownload(policy: FetchPolicy): (url: string) => Promise<AsyncIterable<Uint8Array>> {
  return async (url: string) => {
    const limits = /\.jsonl(\?|$)/.test(new URL(url).pathname) ? JSONL_LIMITS : IMAGE_LIMITS;
    const response = await guardedFetch(url, { ...limits, allowHttp: policy.allowHttp, allowedOrigins: policy.allowedOrigins });
    return response.body;
  };
}

/** Wires the import to the guarded fetch, the image ingest and the storage adapter. */
export function importDeps(db: PrismaClient, storage: Storage, policy: FetchPolicy): ImageIngestDeps {
  return {
    db,
    storage,
    download: shopifyDownload(policy),
    ingest: (source) => ingestImage(source),
    newKey: (ext) => newAssetKey(ext as StoredImageExt),
  };
}
