import { redirect } from "@remix-run/node";
import prisma from "~/db.server";
import { appEnv } from "~/env.server";
import { createAdminGraphQL, ShopifyGraphQLError, type AdminGraphQL } from "~/services/shopify/admin-graphql.server";
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
  const graphql = reauthorizingClient(request, domain, createAdminGraphQL({ shop: domain, accessToken: context.session.accessToken ?? "" }));
  return { ...context, shop, graphql };
}

/**
 * A stored token Shopify no longer accepts (revoked, app reinstalled) is dropped and
 * the request retried once, which makes the auth library exchange a fresh one.
 */
function reauthorizingClient(request: Request, shop: string, client: AdminGraphQL): AdminGraphQL {
  return {
    bucket: client.bucket,
    async request<T>(operation: string, variables?: Record<string, unknown>): Promise<T> {
      try {
        return await client.request<T>(operation, variables);
      } catch (error) {
        const url = new URL(request.url);
        if (error instanceof ShopifyGraphQLError && error.status === 401 && !url.searchParams.has("reauthorized")) {
          await prisma.session.deleteMany({ where: { shop, isOnline: false } });
          url.searchParams.set("reauthorized", "1");
          throw redirect(`${url.pathname}${url.search}`);
        }
        throw error;
      }
    },
  };
}
