import type { MediaRecord, ShopState, SimState } from "./state";

export interface SimConfig {
  apiKey: string;
  apiSecret: string;
  appUrl: string;
  appHandle: string;
  defaultShop: string;
  products: number;
  seed: number;
  bucketSize: number;
  restoreRate: number;
  maxQueryCost: number;
  mediaProcessingMs: number;
  /** How long a bulk query stays RUNNING before its results are written. */
  bulkOperationMs: number;
  scopes: string[];
  /** Topic → path on the app, as shopify.app.toml declares them. */
  webhookPaths: Record<string, string>;
  apiVersion: string;
}

export interface StagedUpload {
  token: string;
  shop: string;
  filename: string;
  mimeType: string;
  httpMethod: "POST" | "PUT";
  bytes: Buffer | null;
  createdAt: number;
}

/** What resolvers and HTTP handlers share. */
export interface SimRuntime {
  config: SimConfig;
  state: SimState;
  publicUrl(): string;
  stagedUploads: Map<string, StagedUpload>;
  accessTokens: Map<string, string>;
  startMediaProcessing(shop: ShopState, media: MediaRecord): void;
  startBulkOperation(shop: ShopState, id: number): void;
  deliverWebhook(shop: string, topic: string, payload: unknown, eventId?: string): Promise<{ status: number }>;
}

export interface SimContext {
  shop: ShopState;
  sim: SimRuntime;
  /** Inside a bulk operation connections need no first/last. */
  bulk: boolean;
}

/** Like Shopify's CDN, a file's URL carries its name; `v` changes when its bytes do. */
export function mediaUrl(sim: SimRuntime, shop: ShopState, media: MediaRecord): string {
  return `${sim.publicUrl()}${cdnPath(shop.domain, media.filename)}?v=${media.version}`;
}

export function cdnPath(shop: string, filename: string): string {
  return `/cdn/shop/${shop}/files/${encodeURIComponent(filename)}`;
}

/** The shop and file name a CDN path names, or null for any other path. */
export function parseCdnPath(pathname: string): { shop: string; filename: string } | null {
  const m = /^\/cdn\/shop\/([^/]+)\/files\/([^/]+)$/.exec(pathname);
  if (!m) return null;
  try {
    return { shop: m[1]!, filename: decodeURIComponent(m[2]!) };
  } catch {
    return null;
  }
}
