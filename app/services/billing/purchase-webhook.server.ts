import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { createAdminGraphQL } from "../shopify/admin-graphql.server";
import { offlineAccessToken } from "../shopify/offline-session.server";
import { syncShopifyPurchase, type SyncOutcome } from "./shopify-billing.server";

export const purchaseWebhookPayload = z.object({
  app_purchase_one_time: z.object({
    admin_graphql_api_id: z.string().regex(/^gid:\/\/shopify\/AppPurchaseOneTime\/\d{1,20}$/),
    status: z.string().max(40).optional(),
  }),
});

/**
 * app_purchases_one_time/update: the payload only says which purchase changed; its
 * status is read back from the Admin API before anything is credited.
 */
export async function handlePurchaseWebhook(db: PrismaClient, shopDomain: string, payload: unknown): Promise<SyncOutcome> {
  const data = purchaseWebhookPayload.parse(payload);
  const shop = await db.shop.findUnique({ where: { domain: shopDomain }, select: { id: true } });
  if (!shop) return null;
  const admin = createAdminGraphQL({ shop: shopDomain, accessToken: await offlineAccessToken(db, shopDomain) });
  return syncShopifyPurchase(db, admin, shop.id, data.app_purchase_one_time.admin_graphql_api_id);
}
