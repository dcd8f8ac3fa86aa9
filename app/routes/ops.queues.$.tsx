import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { appEnv } from "~/env.server";
import { logger } from "~/logger.server";
import { operatorFromCookie, requireOperator } from "~/lib/operator-auth.server";
import { operatorBoard } from "~/lib/operator-board.server";
import { operatorCookieHeader } from "~/lib/operator-cookie.server";
import { auditOperatorAction } from "~/services/ops/audit.server";
import type { Operator } from "~/services/ops/operator.server";

// bull-board under /ops/queues. The page load arrives with Shopify's session token
// (id_token, or a bounce to get one) and leaves a signed cookie; the dashboard's own
// requests then carry only that cookie (docs/decisions/009-operator-triage.md).

const SAFE_METHODS = new Set(["GET", "HEAD"]);

function carriesSessionToken(request: Request): boolean {
  const url = new URL(request.url);
  return /^Bearer\s/i.test(request.headers.get("Authorization") ?? "") || url.searchParams.has("id_token") || url.searchParams.has("shop");
}

/**
 * The cookie is SameSite=None so it works inside the admin's iframe, which also lets
 * other sites' forms send it: a change must come from the app's own origin.
 */
function fromAppOrigin(request: Request): boolean {
  return request.headers.get("Origin") === new URL(appEnv().SHOPIFY_APP_URL).origin;
}

function forbidden(error: string): Response {
  return Response.json({ error }, { status: 403, headers: { "Cache-Control": "no-store" } });
}

function withHeaders(response: Response, operator: Operator, setCookie: string | null): Response {
  const headers = new Headers(response.headers);
  if (setCookie) headers.append("Set-Cookie", setCookie);
  if (!headers.has("Cache-Control")) headers.set("Cache-Control", "no-store");
  headers.set("Referrer-Policy", "same-origin");
  headers.set("X-Robots-Tag", "noindex");
  if (headers.get("Content-Type")?.startsWith("text/html")) {
    // Resource routes skip entry.server, which frames documents for Shopify admin.
    const ancestors = [`https://${operator.shopDomain}`, "https://admin.shopify.com", ...appEnv().DEV_FRAME_ANCESTORS];
    headers.set("Content-Security-Policy", `frame-ancestors ${ancestors.join(" ")};`);
  }
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

async function board(request: Request): Promise<Response> {
  const env = appEnv();
  let operator = await operatorFromCookie(request);
  let setCookie: string | null = null;
  if (!operator) {
    if (!carriesSessionToken(request)) return forbidden("Operator session missing, expired or revoked: open the queue dashboard from /ops again.");
    operator = await requireOperator(request);
    setCookie = operatorCookieHeader(env.SHOPIFY_API_SECRET, operator, { secure: env.SHOPIFY_APP_URL.startsWith("https://") });
  } else if (!SAFE_METHODS.has(request.method) && !fromAppOrigin(request)) {
    return forbidden("Cross-origin request refused.");
  }
  const response = await operatorBoard().fetch(request);
  if (!SAFE_METHODS.has(request.method)) {
    auditOperatorAction(logger, operator, "queue-dashboard", { method: request.method, path: new URL(request.url).pathname, status: response.status });
  }
  return withHeaders(response, operator, setCookie);
}

export const loader = ({ request }: LoaderFunctionArgs) => board(request);
export const action = ({ request }: ActionFunctionArgs) => board(request);
