import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { mediaUrl, type SimRuntime } from "../runtime";
import { gid } from "../state";
import { mintSessionToken } from "../tokens";
import { collectionFilter, collectionMembers } from "../collections";
import { productFilter } from "../graphql/product-query";
import { escapeHtml, html, HttpError, send } from "./util";

const publicDir = path.resolve(import.meta.dirname, "../public");

export function serveScript(res: ServerResponse, name: "app-bridge.js" | "admin.js"): void {
  res.writeHead(200, { "Content-Type": "text/javascript; charset=utf-8", "Cache-Control": "no-cache" });
  res.end(readFileSync(path.join(publicDir, name)));
}

function shopParam(sim: SimRuntime, url: URL): string {
  const shop = url.searchParams.get("shop") ?? sim.config.defaultShop;
  if (!/^[a-z0-9][a-z0-9-]*\.myshopify\.com$/.test(shop)) throw new HttpError(400, "invalid shop");
  return shop;
}

/** The app embedded the way Shopify admin embeds it: shop, host, embedded=1, id_token. */
export async function adminFrame(sim: SimRuntime, url: URL, res: ServerResponse): Promise<void> {
  const shop = shopParam(sim, url);
  const token = await mintSessionToken({ shop, apiKey: sim.config.apiKey, apiSecret: sim.config.apiSecret });
  const store = shop.replace(/\.myshopify\.com$/, "");
  const host = Buffer.from(`admin.shopify.com/store/${store}`).toString("base64url");
  const appPath = url.searchParams.get("path") ?? "/app";
  const src = new URL(appPath.startsWith("/") ? appPath : "/app", sim.config.appUrl);
  src.searchParams.set("embedded", "1");
  src.searchParams.set("host", host);
  src.searchParams.set("id_token", token);
  src.searchParams.set("locale", "en");
  src.searchParams.set("shop", shop);
  src.searchParams.set("timestamp", String(Math.floor(Date.now() / 1000)));
  html(
    res,
    200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Atelier · ${escapeHtml(shop)}</title>
<style>
body{margin:0;font:14px system-ui,sans-serif;background:#f1f1f1;color:#303030;display:flex;flex-direction:column;height:100vh}
header{background:#1a1a1a;color:#e3e3e3;padding:10px 16px;display:flex;gap:12px;align-items:center}
header b{color:#fff}.layout{flex:1;display:flex;min-height:0}
nav{width:220px;padding:12px;border-right:1px solid #ddd;background:#ebebeb}nav ul{list-style:none;padding:0;margin:8px 0}
nav a{display:block;padding:6px 8px;border-radius:6px;color:#303030;text-decoration:none}nav a:hover{background:#e0e0e0}
main{flex:1;padding:12px;min-width:0}iframe{width:100%;height:100%;border:0;border-radius:12px;background:#fff}
#toasts{position:fixed;bottom:24px;left:50%;transform:translateX(-50%);display:flex;flex-direction:column;gap:8px}
.toast{background:#1a1a1a;color:#fff;padding:10px 16px;border-radius:8px}.toast.error{background:#8e1f0b}
dialog{width:520px;border:0;border-radius:12px;padding:16px}.pick{display:block;padding:6px 0;border-bottom:1px solid #eee}
#picker-list{max-height:360px;overflow:auto;margin:8px 0}
</style></head><body>
<header><b>Shopify admin</b><span>simulated</span><span>·</span><span id="shop-domain">${escapeHtml(shop)}</span>
<form method="post" action="/admin/apps/${escapeHtml(sim.config.appHandle)}/uninstall?shop=${escapeHtml(encodeURIComponent(shop))}" style="margin-left:auto"><button id="uninstall-app" type="submit">Uninstall app</button></form></header>
<div class="layout"><nav aria-label="App navigation"><strong>Atelier</strong><ul id="nav-links"></ul></nav>
<main><iframe id="app-frame" name="app-iframe" title="Atelier" src="${escapeHtml(src.toString())}"></iframe></main></div>
<div id="toasts" aria-live="polite"></div>
<dialog id="picker"><h3 id="picker-title">Select products</h3><input id="picker-search" placeholder="Search products" style="width:100%">
<div id="picker-list"></div><button id="picker-cancel">Cancel</button> <button id="picker-select">Select</button></dialog>
<script>window.__SIM=${JSON.stringify({ shop, appUrl: sim.config.appUrl }).replace(/</g, "\\u003c")}</script>
<script src="/admin.js"></script>
</body></html>`,
  );
}

export async function sessionToken(sim: SimRuntime, url: URL, res: ServerResponse): Promise<void> {
  const shop = shopParam(sim, url);
  send(res, 200, { token: await mintSessionToken({ shop, apiKey: sim.config.apiKey, apiSecret: sim.config.apiSecret }) });
}

/** Products in the shape App Bridge's resource picker returns them. */
export function pickerProducts(sim: SimRuntime, url: URL, res: ServerResponse): void {
  const shop = sim.state.shop(shopParam(sim, url));
  const query = url.searchParams.get("query") ?? "";
  const items = [...shop.products.values()].filter(productFilter(query)).slice(0, 50);
  send(
    res,
    200,
    items.map((p) => ({
      id: gid("Product", p.id),
      title: p.title,
      handle: p.handle,
      status: p.status,
      images: p.mediaIds
        .map((id) => shop.media.get(id))
        .filter((m) => m && m.status === "READY")
        .map((m) => ({ id: gid("MediaImage", m!.id), altText: m!.alt, originalSrc: mediaUrl(sim, shop, m!) })),
      variants: p.variantIds.map((id) => ({ id: gid("ProductVariant", id), title: shop.variants.get(id)?.title })),
    })),
  );
}

/** Collections in the shape App Bridge's resource picker returns them (type "collection"). */
export function pickerCollections(sim: SimRuntime, url: URL, res: ServerResponse): void {
  const shop = sim.state.shop(shopParam(sim, url));
  const query = url.searchParams.get("query") ?? "";
  const items = [...shop.collections.values()]
    .filter(collectionFilter(shop, query))
    .sort((a, b) => a.title.localeCompare(b.title) || a.id - b.id)
    .slice(0, 50);
  send(
    res,
    200,
    items.map((c) => {
      const id = gid("Collection", c.id);
      const productsCount = collectionMembers(shop, c).length;
      return {
        id,
        title: c.title,
        handle: c.handle,
        description: c.descriptionHtml.replace(/<[^>]*>/g, "").trim(),
        descriptionHtml: c.descriptionHtml,
        image: null,
        productsCount,
        productsAutomaticallySortedCount: c.ruleSet ? productsCount : 0,
        productsManuallySortedCount: c.ruleSet ? 0 : productsCount,
        publicationCount: 1,
        availablePublicationCount: 1,
        ruleSet: c.ruleSet ? { appliedDisjunctively: c.ruleSet.appliedDisjunctively, rules: c.ruleSet.rules.map((r) => ({ ...r })) } : null,
        seo: { title: null, description: null },
        sortOrder: c.sortOrder,
        storefrontId: Buffer.from(id).toString("base64"),
        templateSuffix: null,
        updatedAt: c.updatedAt.toISOString(),
      };
    }),
  );
}

/** Shopify's charge approval page for a one-time purchase. */
export async function chargePage(sim: SimRuntime, req: IncomingMessage, url: URL, res: ServerResponse, shopDomain: string, id: number): Promise<void> {
  const shop = sim.state.shop(shopDomain);
  const purchase = shop.purchases.get(id);
  if (!purchase) throw new HttpError(404, "charge not found");
  if (req.method === "POST") {
    const decision = url.searchParams.get("decision");
    if (decision !== "approve" && decision !== "decline") throw new HttpError(400, "decision must be approve or decline");
    if (purchase.status === "PENDING") {
      purchase.status = decision === "approve" ? "ACTIVE" : "DECLINED";
      void sim
        .deliverWebhook(shop.domain, "app_purchases_one_time/update", {
          app_purchase_one_time: {
            admin_graphql_api_id: gid("AppPurchaseOneTime", id),
            name: purchase.name,
            status: purchase.status,
            admin_graphql_api_shop_id: gid("Shop", shop.numericId),
            created_at: purchase.createdAt.toISOString(),
            updated_at: new Date().toISOString(),
          },
        })
        .catch(() => undefined);
    }
    const target = new URL(purchase.returnUrl);
    target.searchParams.set("charge_id", String(id));
    res.writeHead(303, { Location: target.toString() });
    res.end();
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") throw new HttpError(405, "Method Not Allowed");
  html(
    res,
    200,
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Approve charge</title></head>
<body style="font:15px system-ui;max-width:520px;margin:64px auto">
<h1>Approve one-time charge</h1>
<p><b>${escapeHtml(purchase.name)}</b></p>
<p>${escapeHtml(purchase.amount)} ${escapeHtml(purchase.currencyCode)}${purchase.test ? " (test charge)" : ""}</p>
<p>Status: <span id="charge-status">${purchase.status}</span></p>
<form method="post" action="?decision=approve"><button id="approve" type="submit">Approve</button></form>
<form method="post" action="?decision=decline"><button id="decline" type="submit">Decline</button></form>
</body></html>`,
  );
}
