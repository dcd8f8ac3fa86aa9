import type { Db } from "../prisma.server";
import { decryptToken, tokenKeys } from "./token-crypto.server";

export class ShopNotConnectedError extends Error {
  constructor(readonly shop: string) {
    super(`${shop} has no offline access token; open the app from Shopify admin to reconnect it.`);
    this.name = "ShopNotConnectedError";
  }
}

/** The offline token that token exchange stored for background work on a shop. */
export async function offlineAccessToken(db: Db, shop: string): Promise<string> {
  const session = await db.session.findUnique({ where: { id: `offline_${shop}` }, select: { accessToken: true } });
  if (!session?.accessToken) throw new ShopNotConnectedError(shop);
  return decryptToken(tokenKeys(), session.accessToken);
}
