import { createHmac, timingSafeEqual } from "node:crypto";

// Every provider webhook URL names our job and carries a token derived from it, so a
// webhook can only ever wake the job it was issued for. For FASHN, which signs
// nothing, the token is the whole of the authentication; for the others it is a
// second check beside the provider's signature.

export function webhookToken(secret: string, provider: string, jobId: string): string {
  return createHmac("sha256", secret).update(`${provider}:${jobId}`).digest("base64url");
}

export function providerWebhookUrl(base: string, secret: string, provider: string, jobId: string): string {
  const url = new URL(`/webhooks/providers/${provider}`, base);
  url.searchParams.set("job", jobId);
  url.searchParams.set("token", webhookToken(secret, provider, jobId));
  return url.toString();
}

export function verifyWebhookToken(secret: string, provider: string, jobId: string, token: string): boolean {
  const expected = Buffer.from(webhookToken(secret, provider, jobId));
  const given = Buffer.from(token);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
