import type { Db } from "./prisma.server";

/**
 * shop/redact, 48 hours after uninstall: remove the shop's personal data and its
 * sessions. The shop row and its ledger stay (accounting records, no personal data)
 * so a reinstall never earns a second welcome bonus.
 */
export async function redactShop(db: Db, domain: string): Promise<void> {
  await db.session.deleteMany({ where: { shop: domain } });
  await db.shop.updateMany({ where: { domain }, data: { name: null, email: null, settings: {} } });
}
