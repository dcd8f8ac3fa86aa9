import { createHmac } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { jwtVerify } from "jose";
import type { SimRuntime } from "../runtime";
import { HttpError, readBody, send } from "./util";

const GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
const ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
const OFFLINE = "urn:shopify:params:oauth:token-type:offline-access-token";
const ONLINE = "urn:shopify:params:oauth:token-type:online-access-token";

/**
 * Like an installation's offline token, it stays the same for a shop and app, so a
 * restarted simulator still honours tokens the app stored earlier.
 */
export function installationToken(sim: SimRuntime, shop: string): string {
  const generation = sim.state.shop(shop).installGeneration;
  return `shpat_${createHmac("sha256", sim.config.apiSecret).update(`offline:${shop}:${generation}`).digest("hex").slice(0, 32)}`;
}

/** Token exchange: an App Bridge id_token for an access token, as Shopify answers it. */
export async function tokenExchange(sim: SimRuntime, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const raw = (await readBody(req, 64 * 1024)).toString("utf8");
  let body: Record<string, string>;
  try {
    body = (req.headers["content-type"] ?? "").includes("json") ? JSON.parse(raw) : Object.fromEntries(new URLSearchParams(raw));
  } catch {
    throw new HttpError(400, { error: "invalid_request", error_description: "Malformed body" });
  }
  if (body.client_id !== sim.config.apiKey || body.client_secret !== sim.config.apiSecret) {
    throw new HttpError(401, { error: "invalid_client", error_description: "Client credentials are invalid" });
  }
  if (body.grant_type !== GRANT || body.subject_token_type !== ID_TOKEN || !body.subject_token) {
    throw new HttpError(400, { error: "invalid_request", error_description: "Unsupported grant" });
  }
  let dest: string;
  let sub: string;
  try {
    const { payload } = await jwtVerify(body.subject_token, new TextEncoder().encode(sim.config.apiSecret), {
      algorithms: ["HS256"],
      audience: sim.config.apiKey,
      clockTolerance: 10,
    });
    dest = String(payload.dest ?? "");
    sub = String(payload.sub ?? "");
  } catch {
    throw new HttpError(400, { error: "invalid_subject_token", error_description: "Session token is invalid" });
  }
  const shopDomain = new URL(dest).hostname;
  const requestedShop = req.headers["x-simulated-shop"];
  if (requestedShop && requestedShop !== shopDomain) {
    throw new HttpError(400, { error: "invalid_subject_token", error_description: "Session token is for another shop" });
  }
  const shop = sim.state.shop(shopDomain);
  shop.installed = true;
  const accessToken = installationToken(sim, shopDomain);
  sim.accessTokens.set(accessToken, shopDomain);
  const scope = shop.scopes.join(",");
  if (body.requested_token_type === ONLINE) {
    send(res, 200, {
      access_token: accessToken,
      scope,
      expires_in: 86_399,
      associated_user_scope: scope,
      associated_user: { id: Number(sub) || 1, first_name: "Alex", last_name: "Merchant", email: shop.email, email_verified: true, account_owner: true, locale: "en", collaborator: false },
    });
    return;
  }
  if (body.requested_token_type && body.requested_token_type !== OFFLINE) {
    throw new HttpError(400, { error: "invalid_request", error_description: "Unsupported requested_token_type" });
  }
  send(res, 200, { access_token: accessToken, scope });
}
