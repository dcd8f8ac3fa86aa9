import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";

// The queue dashboard's own requests (its scripts, styles and API calls) cannot carry
// App Bridge's session token, so the page load that passed requireOperator leaves this
// cookie for them (docs/decisions/009-operator-triage.md).

export const OPERATOR_COOKIE = "atelier_ops_queues";
export const OPERATOR_COOKIE_PATH = "/ops/queues";
export const OPERATOR_COOKIE_TTL_SECONDS = 30 * 60;

// Domain separation: the same secret signs session tokens and webhooks.
const CONTEXT = "atelier-ops-queues-cookie.v1";

const claims = z.object({ s: z.uuid(), u: z.string().min(1).max(100), e: z.number().int() });

export interface OperatorCookieClaims {
  shopId: string;
  userId: string;
  /** Unix seconds. */
  expiresAt: number;
}

function mac(secret: string, payload: string): Buffer {
  return createHmac("sha256", secret).update(`${CONTEXT}.${payload}`).digest();
}

export function signOperatorCookie(secret: string, c: OperatorCookieClaims): string {
  const payload = Buffer.from(JSON.stringify({ s: c.shopId, u: c.userId, e: c.expiresAt })).toString("base64url");
  return `${payload}.${mac(secret, payload).toString("base64url")}`;
}

/** The claims of a value this app signed and that has not expired, else null. */
export function verifyOperatorCookie(secret: string, value: string, now = Date.now()): OperatorCookieClaims | null {
  const [payload, signature, extra] = value.split(".");
  if (!payload || !signature || extra !== undefined) return null;
  const expected = mac(secret, payload);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  let parsed: z.infer<typeof claims>;
  try {
    parsed = claims.parse(JSON.parse(Buffer.from(payload, "base64url").toString("utf8")));
  } catch {
    return null;
  }
  if (parsed.e * 1000 <= now) return null;
  return { shopId: parsed.s, userId: parsed.u, expiresAt: parsed.e };
}

/**
 * The Set-Cookie header. Inside the admin iframe the app is a third party, so over
 * https the cookie is SameSite=None; Secure; Partitioned (kept per top-level site,
 * which browsers blocking third-party cookies still allow). Plain http (local
 * development) cannot use SameSite=None, and there the stand-in admin is same-site.
 */
export function operatorCookieHeader(secret: string, who: { shopId: string; userId: string }, p: { secure: boolean; now?: number }): string {
  const expiresAt = Math.floor((p.now ?? Date.now()) / 1000) + OPERATOR_COOKIE_TTL_SECONDS;
  const value = signOperatorCookie(secret, { ...who, expiresAt });
  const attributes = [`${OPERATOR_COOKIE}=${value}`, `Path=${OPERATOR_COOKIE_PATH}`, `Max-Age=${OPERATOR_COOKIE_TTL_SECONDS}`, "HttpOnly"];
  attributes.push(...(p.secure ? ["SameSite=None", "Secure", "Partitioned"] : ["SameSite=Lax"]));
  return attributes.join("; ");
}

export function readOperatorCookie(request: Request): string | null {
  const header = request.headers.get("Cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === OPERATOR_COOKIE) return rest.join("=") || null;
  }
  return null;
}
