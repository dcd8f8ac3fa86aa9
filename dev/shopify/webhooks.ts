import { randomUUID } from "node:crypto";
import type { SimConfig } from "./runtime";
import { webhookHmac } from "./tokens";

/** POSTs a webhook to the app exactly as Shopify does (headers, HMAC of the raw body). */
export async function deliverWebhook(
  config: SimConfig,
  shop: string,
  topic: string,
  payload: unknown,
  eventId: string = randomUUID(),
): Promise<{ status: number; eventId: string }> {
  const path = config.webhookPaths[topic];
  if (!path) throw new Error(`no subscription for ${topic} in shopify.app.toml`);
  const body = JSON.stringify(payload);
  const response = await fetch(new URL(path, config.appUrl), {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": topic,
      "X-Shopify-Hmac-Sha256": webhookHmac(body, config.apiSecret),
      "X-Shopify-Shop-Domain": shop,
      "X-Shopify-API-Version": config.apiVersion,
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": eventId,
      "X-Shopify-Triggered-At": new Date().toISOString(),
    },
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer().catch(() => undefined);
  return { status: response.status, eventId };
}
