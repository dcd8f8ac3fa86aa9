import type { AppRole } from "@prisma/client";
import type { Db } from "../prisma.server";

/** A staff member of a shop with a user_roles row: who is acting in the ops area. */
export interface Operator {
  /** The Shopify staff user id (the session token's `sub`). */
  userId: string;
  shopId: string;
  shopDomain: string;
  role: AppRole;
}

/**
 * The operator a staff user of a shop is, or null. The role row must belong to the
 * shop the user signed in through: an operator of one store is nobody in another.
 */
export async function findOperator(db: Db, shopId: string, userId: string): Promise<Operator | null> {
  if (!userId) return null;
  const rows = await db.userRole.findMany({
    where: { shopId, userId, role: { in: ["operator", "admin"] } },
    select: { role: true, shop: { select: { domain: true } } },
  });
  if (rows.length === 0) return null;
  const role = rows.some((r) => r.role === "admin") ? "admin" : "operator";
  return { userId, shopId, shopDomain: rows[0]!.shop.domain, role };
}
