import { parseAppEnv } from "../../app/env.server";
import { getBalance } from "../../app/services/credits/queries.server";
import { createPrisma } from "../../app/services/prisma.server";
import { recordInstall } from "../../app/services/shops.server";

/** The embedded-default shop, installed once with its welcome bonus. */
export async function seedDevShop(databaseUrl: string): Promise<{ domain: string; balance: number }> {
  const env = parseAppEnv({ ...process.env, DATABASE_URL: databaseUrl });
  const db = createPrisma(databaseUrl, 2);
  try {
    const existing = await db.prisma.shop.findUnique({ where: { domain: env.DEV_SHOP_DOMAIN } });
    const shop =
      existing ??
      (await recordInstall(db.prisma, {
        domain: env.DEV_SHOP_DOMAIN,
        name: "Atelier Dev Boutique",
        email: "owner@atelier-dev.example",
        welcomeCredits: env.WELCOME_BONUS_CREDITS,
      }));
    return { domain: shop.domain, balance: await getBalance(db.prisma, shop.id) };
  } finally {
    await db.close();
  }
}
