import type { ServerResponse } from "node:http";
import type { SimRuntime } from "../runtime";
import { escapeHtml, html } from "./util";

/**
 * The merchant removes the app in Shopify admin: its access tokens stop working at
 * once, and app/uninstalled is delivered. Installing again issues a new token.
 */
export async function uninstallApp(sim: SimRuntime, shopDomain: string): Promise<{ status: number } | { error: string }> {
  const shop = sim.state.shop(shopDomain);
  shop.installed = false;
  shop.installGeneration++;
  for (const [token, domain] of sim.accessTokens) if (domain === shopDomain) sim.accessTokens.delete(token);
  try {
    return await sim.deliverWebhook(shopDomain, "app/uninstalled", {
      id: shop.numericId,
      name: shop.name,
      email: shop.email,
      domain: shopDomain,
      myshopify_domain: shopDomain,
      currency: shop.currencyCode,
    });
  } catch (error) {
    return { error: String((error as Error).cause ?? error) };
  }
}

/** Shopify admin's apps page after an uninstall, with the way back in. */
export function uninstalledPage(sim: SimRuntime, res: ServerResponse, shopDomain: string): void {
  const install = `/admin/apps/${encodeURIComponent(sim.config.appHandle)}?shop=${encodeURIComponent(shopDomain)}`;
  html(
    res,
    200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Apps · ${escapeHtml(shopDomain)}</title></head>
<body style="font:15px system-ui;max-width:560px;margin:64px auto">
<h1>Apps</h1>
<p id="uninstalled">Atelier was uninstalled from ${escapeHtml(shopDomain)}.</p>
<p><a href="${escapeHtml(install)}">Install Atelier</a></p>
</body></html>`,
  );
}
