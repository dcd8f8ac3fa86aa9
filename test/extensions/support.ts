import { randomUUID } from "node:crypto";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { grantPurchase } from "~/services/credits/operations.server";
import type { PrismaHandle } from "~/services/prisma.server";
import { storage } from "~/storage.server";
import { makeShop } from "../support/db";
import { addProductPhoto } from "../support/photos";
import { embeddedRequest, storeOfflineSession } from "../support/shopify";
import type { ErrorResponse } from "../../extensions/shared/contract";

/** Where admin UI extensions run; their fetches carry it as Origin. */
export const EXTENSION_ORIGIN = "https://extensions.shopifycdn.com";

export const product = (n: number) => `gid://shopify/Product/${n}`;

/** An installed shop with a stored session, a balance, and photos for some products. */
export async function extensionShop(h: PrismaHandle, p: { label: string; credits?: number; withPhotos?: string[] }) {
  const shop = await makeShop(h, { label: p.label });
  await storeOfflineSession(h.prisma, shop.domain);
  if (p.credits) await grantPurchase(h.prisma, shop.id, { credits: p.credits, key: `grant-${randomUUID()}` });
  for (const productId of p.withPhotos ?? []) {
    await addProductPhoto(h, storage(), { shopId: shop.id, productId, bytes: Buffer.from(`photo of ${productId}`) });
  }
  return shop;
}

type Handler = (args: LoaderFunctionArgs | ActionFunctionArgs) => Promise<Response>;

/**
 * Calls a route as an admin extension's fetch does: from the extension origin with a
 * session token. The body is typed as the success answer or the error answer.
 */
export async function call<T = ErrorResponse>(handler: Handler, shop: string, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set("Origin", EXTENSION_ORIGIN);
  if (init.body && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  const request = await embeddedRequest(shop, path, { ...init, headers });
  const response = await handler({ request, params: {}, context: {} });
  return { status: response.status, headers: response.headers, body: (response.status === 204 ? null : await response.json()) as T & ErrorResponse };
}

export const post = <T = ErrorResponse>(handler: Handler, shop: string, path: string, body: unknown) =>
  call<T>(handler, shop, path, { method: "POST", body: JSON.stringify(body) });
