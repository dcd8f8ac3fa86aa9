import prisma from "~/db.server";
import { appEnv } from "~/env.server";
import { findOperator, type Operator } from "~/services/ops/operator.server";
import { findShopByDomain } from "~/services/shops.server";
import { authenticate } from "~/shopify.server";
import { readOperatorCookie, verifyOperatorCookie } from "./operator-cookie.server";

/**
 * What anyone who is not an operator gets from the ops area: the same 404 as a path
 * that does not exist, so merchants cannot tell the area is there.
 */
export function opsNotFound(): Response {
  return new Response("Not Found", { status: 404, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

/**
 * Authenticates an embedded admin request like requireShop, then requires a
 * user_roles row (operator or admin) for the staff user of the session token (`sub`)
 * in the shop of the session. Throws the library's auth responses (bounce, 401) as
 * they are, and opsNotFound() for a signed-in staff member who is not an operator.
 * Unlike requireShop it never creates a shop row: an unknown shop has no operators.
 */
export async function requireOperator(request: Request): Promise<Operator> {
  const context = await authenticate.admin(request);
  const userId = typeof context.sessionToken.sub === "string" ? context.sessionToken.sub : "";
  const shop = await findShopByDomain(prisma, context.session.shop);
  const operator = shop ? await findOperator(prisma, shop.id, userId) : null;
  if (!operator) throw opsNotFound();
  return operator;
}

/**
 * The operator named by a valid queue-dashboard cookie whose role still holds (checked
 * on every request, so removing the role row ends access at once), else null.
 */
export async function operatorFromCookie(request: Request, now = Date.now()): Promise<Operator | null> {
  const value = readOperatorCookie(request);
  if (!value) return null;
  const claims = verifyOperatorCookie(appEnv().SHOPIFY_API_SECRET, value, now);
  if (!claims) return null;
  return findOperator(prisma, claims.shopId, claims.userId);
}
