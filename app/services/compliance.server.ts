import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import type { Storage } from "./storage/storage.server";

// Shopify's mandatory privacy webhooks. What is kept after shop/redact, and why, is
// in docs/privacy.md.

const customerRequest = z.object({
  shop_id: z.coerce.number().int().optional(),
  shop_domain: z.string().max(255).optional(),
  customer: z.object({ id: z.coerce.number().int().optional() }).passthrough().optional(),
  orders_requested: z.array(z.unknown()).max(10_000).optional(),
  orders_to_redact: z.array(z.unknown()).max(10_000).optional(),
  data_request: z.object({ id: z.coerce.number().int().optional() }).passthrough().optional(),
});

/**
 * customers/data_request and customers/redact: Atelier holds no data about a shop's
 * customers (it works on products), so there is nothing to export or erase. The
 * request is recorded by its ids for audit; names, emails and phones are not kept.
 */
export async function recordCustomerRequest(db: PrismaClient, topic: "customers/data_request" | "customers/redact", domain: string, payload: unknown) {
  const p = customerRequest.parse(payload);
  await db.complianceRequest.create({
    data: {
      topic,
      shopDomain: domain,
      shopifyShopId: p.shop_id ?? null,
      customerId: p.customer?.id ?? null,
      dataRequestId: p.data_request?.id ?? null,
      ordersCount: (p.orders_requested ?? p.orders_to_redact ?? []).length,
      outcome: "no customer data held",
    },
  });
}

/**
 * shop/redact, 48 hours after uninstall: the shop's photos (rows and files in both
 * buckets), shoots, jobs and their events, publications, looks, imports, settings,
 * sessions and Stripe customer link go. The shop row (its domain, so a reinstall never
 * earns a second welcome bonus), the ledger, purchases and debts stay for accounting,
 * stripped of personal data. Idempotent; a shop that never existed is fine.
 */
export async function redactShop(db: PrismaClient, storage: Storage, domain: string): Promise<{ files: number }> {
  await db.session.deleteMany({ where: { shop: domain } });
  const shop = await db.shop.findUnique({ where: { domain }, select: { id: true, installedAt: true, uninstalledAt: true } });
  let files = 0;
  if (shop) {
    // Files first: a crash after this leaves rows pointing at nothing, which the retry
    // removes; the other order could leave files no row points at.
    files += await storage.deletePrefix("uploads", `${shop.id}/`);
    files += await storage.deletePrefix("outputs", `${shop.id}/`);
    await db.$transaction(async (tx) => {
      await tx.publication.deleteMany({ where: { shopId: shop.id } });
      await tx.generationJob.updateMany({ where: { shopId: shop.id }, data: { inputAssetId: null, regeneratedAs: null } });
      await tx.asset.deleteMany({ where: { shopId: shop.id } });
      await tx.generationJob.deleteMany({ where: { shopId: shop.id } });
      await tx.generationBatch.deleteMany({ where: { shopId: shop.id } });
      await tx.look.deleteMany({ where: { shopId: shop.id } });
      await tx.importRun.deleteMany({ where: { shopId: shop.id } });
      await tx.userRole.deleteMany({ where: { shopId: shop.id } });
      await tx.stripeCustomer.deleteMany({ where: { shopId: shop.id } });
      await tx.appPurchase.updateMany({ where: { shopId: shop.id }, data: { confirmationUrl: null } });
      await tx.shop.update({ where: { id: shop.id }, data: { name: null, email: null, settings: {} } });
    });
  }
  await db.complianceRequest.create({
    data: { topic: "shop/redact", shopDomain: domain, outcome: shop ? `redacted; ${files} files deleted` : "no such shop" },
  });
  return { files };
}
