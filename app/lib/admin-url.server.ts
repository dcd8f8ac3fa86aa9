import { appEnv } from "~/env.server";

/**
 * A page of the embedded app as a URL of Shopify admin: where a merchant leaving the
 * iframe (billing approval, Stripe Checkout) is sent back to.
 */
export function adminAppUrl(shopDomain: string, appPath: string): string {
  const env = appEnv();
  const store = shopDomain.replace(/\.myshopify\.com$/, "");
  const path = appPath.startsWith("/") ? appPath : `/${appPath}`;
  return `${env.SHOPIFY_ADMIN_URL.replace(/\/$/, "")}/store/${store}/apps/${env.APP_HANDLE}${path}`;
}
