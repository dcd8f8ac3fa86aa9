import { requireShop } from "~/lib/shop-context.server";
import { withPreAuthCors } from "~/lib/extension-http.server";
import { logger } from "~/logger.server";
import type { ErrorResponse } from "../../extensions/shared/contract";

export interface ExtensionContext {
  shop: Awaited<ReturnType<typeof requireShop>>["shop"];
  /** A JSON answer the extension's origin may read; never cached (balances change). */
  json(body: unknown, init?: ResponseInit): Response;
  /** A refusal the extension can show: a message and a stable code. */
  fail(status: number, body: ErrorResponse, headers?: HeadersInit): Response;
}

/**
 * Authenticates a call from an admin UI extension, which runs on Shopify's extension
 * origin and sends an ID token (a session token) in the Authorization header.
 * authenticate.admin answers CORS preflights itself (it throws a 204) and puts CORS
 * headers on its own refusals; our answers get them through its `cors` helper.
 * Only the header is accepted: without it the library would treat the call as a page
 * load and redirect to the login page, which a fetch cannot use.
 */
export async function requireExtensionShop(request: Request): Promise<ExtensionContext> {
  if (request.method !== "OPTIONS" && !/^Bearer \S+$/.test(request.headers.get("Authorization") ?? "")) {
    const body: ErrorResponse = { error: "This request carried no session token; open Atelier from Shopify admin.", code: "unauthenticated" };
    throw withPreAuthCors(request, Response.json(body, { status: 401, headers: { "Cache-Control": "no-store" } }));
  }
  const { shop, cors } = await requireShop(request);
  const json = (body: unknown, init: ResponseInit = {}) => {
    const response = Response.json(body, init);
    response.headers.set("Cache-Control", "no-store");
    response.headers.append("Vary", "Origin");
    return cors(response);
  };
  return { shop, json, fail: (status, body, headers) => json(body, { status, headers }) };
}

/**
 * Runs an extension route: auth first, then the handler. Every answer, including an
 * unexpected failure, carries CORS headers, so the extension sees the status and
 * message instead of an opaque network error.
 */
export async function extensionRoute(request: Request, handle: (ctx: ExtensionContext) => Promise<Response>): Promise<Response> {
  let ctx: ExtensionContext;
  try {
    ctx = await requireExtensionShop(request);
  } catch (error) {
    if (error instanceof Response) return exposeRetryHeader(error);
    throw error;
  }
  try {
    return await handle(ctx);
  } catch (error) {
    logger.error({ err: error, path: new URL(request.url).pathname, shop: ctx.shop.domain }, "admin extension request failed");
    return ctx.fail(500, { error: "Atelier could not answer just now; try again in a moment.", code: "internal" });
  }
}

/**
 * The library marks a token it refused (expired, say) with this header so the caller
 * retries with a fresh one; across origins a browser hides it unless it is exposed.
 */
const RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request";

function exposeRetryHeader(response: Response): Response {
  const exposed = response.headers.get("Access-Control-Expose-Headers");
  if (response.headers.has(RETRY_HEADER) && response.headers.has("Access-Control-Allow-Origin") && !exposed?.includes(RETRY_HEADER)) {
    response.headers.set("Access-Control-Expose-Headers", exposed ? `${exposed}, ${RETRY_HEADER}` : RETRY_HEADER);
  }
  return response;
}

/** Routes that only take one method still authenticate OPTIONS (the preflight) first. */
export function methodNotAllowed(request: Request, allow: string): Promise<Response> {
  return extensionRoute(request, async ({ fail }) => fail(405, { error: `Use ${allow}.`, code: "method_not_allowed" }, { Allow: allow }));
}
