import { randomUUID } from "node:crypto";
import { appEnv } from "~/env.server";
import type { Db } from "~/services/prisma.server";
import { mintSessionToken, webhookHmac } from "../../dev/shopify/tokens";

/** An offline session as token exchange would have stored it. */
export async function storeOfflineSession(db: Db, shop: string): Promise<void> {
  await db.session.upsert({
    where: { id: `offline_${shop}` },
    create: { id: `offline_${shop}`, shop, state: "", isOnline: false, scope: appEnv().SCOPES, accessToken: `shpat_${randomUUID()}` },
    update: {},
  });
}

/** A request as App Bridge sends it from inside Shopify admin. */
export async function embeddedRequest(shop: string, path: string, init: RequestInit = {}): Promise<Request> {
  const env = appEnv();
  const token = await mintSessionToken({ shop, apiKey: env.SHOPIFY_API_KEY, apiSecret: env.SHOPIFY_API_SECRET });
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  return new Request(new URL(path, env.SHOPIFY_APP_URL), { ...init, headers });
}

export function webhookRequest(
  path: string,
  p: { topic: string; shop: string; payload: unknown; eventId?: string; secret?: string },
): Request {
  const env = appEnv();
  const body = JSON.stringify(p.payload);
  return new Request(new URL(path, env.SHOPIFY_APP_URL), {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Shopify-Topic": p.topic,
      "X-Shopify-Shop-Domain": p.shop,
      "X-Shopify-Hmac-Sha256": webhookHmac(body, p.secret ?? env.SHOPIFY_API_SECRET),
      "X-Shopify-API-Version": "2026-01",
      "X-Shopify-Webhook-Id": randomUUID(),
      "X-Shopify-Event-Id": p.eventId ?? randomUUID(),
      "X-Shopify-Triggered-At": new Date().toISOString(),
    },
  });
}
