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

export function mediaUrl(sim: SimRuntime, shop: ShopState, media: MediaRecord): string {
  const ext = media.mimeType === "image/png" ? "png" : media.mimeType === "image/webp" ? "webp" : "jpg";
  return `${sim.publicUrl()}/cdn/shop/${shop.domain}/files/${media.id}.${ext}?v=${media.version}`;
}
