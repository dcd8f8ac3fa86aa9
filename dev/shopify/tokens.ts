import { createHmac, randomUUID } from "node:crypto";
import { SignJWT } from "jose";

// What Shopify signs with an app's secret: App Bridge session tokens (id_token) and
// webhook HMACs. Used by the simulated shop and by tests.

export interface SessionTokenInput {
  shop: string;
  apiKey: string;
  apiSecret: string;
  userId?: string | number;
  ttlSeconds?: number;
}

export async function mintSessionToken(input: SessionTokenInput): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: `https://${input.shop}/admin`,
    dest: `https://${input.shop}`,
    aud: input.apiKey,
    sub: String(input.userId ?? 1),
    sid: randomUUID(),
  })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + (input.ttlSeconds ?? 60))
    .setJti(randomUUID())
    .sign(new TextEncoder().encode(input.apiSecret));
}

export function webhookHmac(body: string, apiSecret: string): string {
  return createHmac("sha256", apiSecret).update(body, "utf8").digest("base64");
}
