import prisma from "~/db.server";
import { appEnv } from "~/env.server";
import { findShopByDomain, recordInstall } from "~/services/shops.server";
import { authenticate } from "~/shopify.server";

/**
 * Authenticates an embedded admin request and returns the shop row every query is
 * scoped to. A session without a shop row (a store installed before the row existed)
 * gets its row and welcome bonus here, the same way afterAuth would.
 */
export async function requireShop(request: Request) {
  const context = await authenticate.admin(request);
  const domain = context.session.shop;
  const shop =
    (await findShopByDomain(prisma, domain)) ??
    (await recordInstall(prisma, { domain, welcomeCredits: appEnv().WELCOME_BONUS_CREDITS }));
  return { ...context, shop };
}
