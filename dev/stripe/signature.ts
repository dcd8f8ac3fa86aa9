import { createHmac } from "node:crypto";

/**
 * The Stripe-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256>` over
 * "<t>.<exact body>", keyed with the endpoint's whole signing secret (whsec_ included).
 */
export function signatureHeader(body: string, secret: string, timestamp: number): string {
  const v1 = createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
  return `t=${timestamp},v1=${v1}`;
}
