import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../../shopify/http/util";
import { StripeApiError, invalidRequest, unrecognizedUrl } from "../errors";
import { deliverSubscribed } from "../events";
import { parseForm } from "../form";
import { canonicalParams, claimKey, savedResponse } from "../idempotency";
import { newId } from "../ids";
import { validate, type Params } from "../params";
import type { RequestInfo, StandInRuntime } from "../runtime";
import { checkoutSessionRoutes } from "./checkout-sessions";
import { customerRoutes } from "./customers";
import { objectRoutes } from "./objects";
import type { ApiResult, Route } from "./route";

// One /v1 request as Stripe serves it: API key, Stripe-Version, form parameters,
// idempotency, then the endpoint; JSON back with Request-Id. Events an endpoint
// caused are delivered after the response.

const ROUTES: Route[] = [...customerRoutes, ...checkoutSessionRoutes, ...objectRoutes];
// A release name, optionally followed by beta flags ("2026-10-28.endive; some_beta=v1").
const VERSION = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?(;\s*\w+=v\d+)*$/;

function redact(key: string): string {
  return key.length <= 12 ? "*".repeat(key.length) : `${key.slice(0, 8)}${"*".repeat(key.length - 12)}${key.slice(-4)}`;
}

function apiKeyOf(req: IncomingMessage): string | null {
  const header = req.headers.authorization ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(header);
  if (bearer) return bearer[1]!;
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  // Basic auth carries the key as the user name, with an empty password.
  if (basic) return Buffer.from(basic[1]!, "base64").toString("utf8").split(":")[0] || null;
  return null;
}

function authenticate(runtime: StandInRuntime, req: IncomingMessage): string {
  const key = apiKeyOf(req);
  if (!key) {
    throw invalidRequest(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      undefined,
      undefined,
      401,
    );
  }
  if (key !== runtime.config.secretKey) throw invalidRequest(`Invalid API Key provided: ${redact(key)}`, undefined, undefined, 401);
  return key;
}

function decodeId(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function findRoute(method: string, path: string): { route: Route; ids: string[] } {
  for (const route of ROUTES) {
    const match = route.method === method ? route.path.exec(path) : null;
    if (match) return { route, ids: match.slice(1).map(decodeId) };
  }
  throw unrecognizedUrl(method, path);
}

async function readParams(req: IncomingMessage, url: URL) {
  let raw = url.search.slice(1);
  if (req.method === "POST") {
    const body = (await readBody(req, 1024 * 1024)).toString("utf8");
    const type = String(req.headers["content-type"] ?? "").split(";")[0]!.trim().toLowerCase();
    if (body.length > 0 && type !== "application/x-www-form-urlencoded") {
      throw invalidRequest(`Invalid request: unsupported Content-Type ${type || "(none)"}. Stripe's v1 API takes application/x-www-form-urlencoded bodies.`);
    }
    raw = raw && body ? `${raw}&${body}` : raw || body;
  }
  return parseForm(raw);
}

function runEndpoint(runtime: StandInRuntime, route: Route, ids: string[], params: Params, request: RequestInfo): ApiResult {
  try {
    return route.run({ runtime, request }, params, ids);
  } catch (error) {
    if (error instanceof StripeApiError) return { status: error.status, body: error.body() };
    return { status: 500, body: new StripeApiError(500, { type: "api_error", message: `The Stripe stand-in failed: ${String(error)}` }).body() };
  }
}

export async function handleApi(runtime: StandInRuntime, req: IncomingMessage, res: ServerResponse, url: URL, background: (work: Promise<unknown>) => void) {
  const requestId = newId("request");
  const method = req.method ?? "GET";
  const requestedVersion = req.headers["stripe-version"];
  const headers: Record<string, string> = {
    "Request-Id": requestId,
    "Stripe-Version": typeof requestedVersion === "string" ? requestedVersion : runtime.config.apiVersion,
    "Cache-Control": "no-cache, no-store",
  };
  const respond = (status: number, body: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json", ...headers });
    res.end(JSON.stringify(body, null, 2));
  };
  try {
    const apiKey = authenticate(runtime, req);
    if (requestedVersion !== undefined && (typeof requestedVersion !== "string" || !VERSION.test(requestedVersion))) {
      throw invalidRequest(`Invalid Stripe API version: ${String(requestedVersion)}`);
    }
    const { route, ids } = findRoute(method, url.pathname);
    const tree = await readParams(req, url);
    const key = method === "POST" ? req.headers["idempotency-key"] : undefined;
    let result: ApiResult;
    if (typeof key === "string") {
      headers["Idempotency-Key"] = key;
      const idempotent = { apiKey, key, method, path: url.pathname, params: canonicalParams(tree) };
      const saved = savedResponse(runtime.state, idempotent);
      if (saved) {
        Object.assign(headers, { "Idempotent-Replayed": "true", "Original-Request": saved.requestId });
        return respond(saved.status, saved.body);
      }
      const params = validate(route.params, tree);
      const claim = claimKey(runtime.state, idempotent);
      result = runEndpoint(runtime, route, ids, params, { id: requestId, idempotency_key: key });
      claim.save({ status: result.status ?? 200, body: result.body, requestId });
    } else {
      result = runEndpoint(runtime, route, ids, validate(route.params, tree), { id: requestId, idempotency_key: null });
    }
    respond(result.status ?? 200, result.body);
    if (result.events?.length) background(deliverSubscribed(runtime, result.events));
  } catch (error) {
    if (!(error instanceof StripeApiError)) throw error;
    if (error.status === 401) headers["WWW-Authenticate"] = 'Basic realm="Stripe"';
    respond(error.status, error.body());
  }
}
