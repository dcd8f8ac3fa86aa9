import { publishSettings, readWatcherSettings, type PublishSettings } from "../lib/shop-settings";
import { hasSqlState, type Db } from "./prisma.server";
import { grantWelcomeBonus } from "./credits/operations.server";

export const shopDomain = /^[a-z0-9][a-z0-9-]*\.myshopify\.com$/;

/**
 * Called after every successful install or re-auth: creates or revives the shop row
 * and grants the welcome bonus, which its key makes a once-per-shop event.
 */
export async function recordInstall(
  db: Db,
  p: { domain: string; name?: string | null; email?: string | null; currency?: string | null; welcomeCredits: number },
) {
  if (!shopDomain.test(p.domain)) throw new Error(`not a shop domain: ${p.domain}`);
  const existing = await db.shop.findUnique({ where: { domain: p.domain } });
  const details = {
    ...(p.name ? { name: p.name } : {}),
    ...(p.email ? { email: p.email } : {}),
    ...(p.currency ? { currency: p.currency } : {}),
  };
  const shop = existing
    ? await db.shop.update({
        where: { id: existing.id },
        // A reinstall starts a new installation period.
        data: existing.uninstalledAt || !existing.installedAt
          ? { ...details, installedAt: new Date(), uninstalledAt: null }
          : details,
      })
    : await db.shop.create({ data: { domain: p.domain, ...details, installedAt: new Date() } }).catch((error: unknown) => {
        // Two first requests raced and the other created the row: apply ours to it.
        if ((error as { code?: string }).code !== "P2002" && !hasSqlState(error, "23505")) throw error;
        return null;
      });
  if (!shop) return recordInstall(db, p);
  await grantWelcomeBonus(db, shop.id, p.welcomeCredits);
  return shop;
}

export async function findShopByDomain(db: Db, domain: string) {
  return db.shop.findUnique({ where: { domain } });
}

/**
 * Saves the merchant's publishing preferences into shops.settings, keeping every
 * other key (the hourly limit override, for one) as it was.
 */
export async function savePublishSettings(db: Db, shopId: string, values: PublishSettings): Promise<PublishSettings> {
  const saved = publishSettings.parse(values);
  await db.$executeRaw`update public.shops set settings = settings || ${JSON.stringify(saved)}::jsonb where id = ${shopId}::uuid`;
  return saved;
}

/**
 * Saves the catalog watcher's settings. Turning it on starts the clock: photos added
 * before that are the catalog as it was, not new photos.
 */
export async function saveWatcherSettings(
  db: Db,
  shopId: string,
  values: { watchCatalog: boolean; watcherLookId: string | null; watcherMonthlyBudget: number; watcherAutoRun: boolean },
): Promise<void> {
  const shop = await db.shop.findUniqueOrThrow({ where: { id: shopId }, select: { settings: true } });
  const current = readWatcherSettings(shop.settings);
  const look = values.watcherLookId ? await db.look.findFirst({ where: { id: values.watcherLookId, shopId }, select: { id: true } }) : null;
  const saved = {
    ...values,
    watcherLookId: look?.id ?? null,
    watchSince: values.watchCatalog ? (current.watchCatalog && current.watchSince ? current.watchSince : new Date().toISOString()) : null,
  };
  await db.$executeRaw`update public.shops set settings = settings || ${JSON.stringify(saved)}::jsonb where id = ${shopId}::uuid`;
}
