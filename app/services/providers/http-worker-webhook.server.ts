import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { WEBHOOK_TOLERANCE_MS, WebhookRejectedError, type ProviderWebhook, type VerifiedWebhook } from "./webhook.server";

// Callbacks from a self-hosted GPU worker (docs/gpu-worker-contract.md): an
// HMAC-SHA256 over "{timestamp}.{raw body}" with the shared secret, hex, sent as
// `X-Atelier-Signature: v1=<hex>` beside `X-Atelier-Timestamp` (unix seconds).

export interface HttpWorkerWebhookConfig {
  secret: string;
  /** Milliseconds since the epoch; tests move the clock. */
  now?: () => number;
}

const callbackBody = z.object({ id: z.string().min(1).max(128) });

/** The `v1=` digests of a signature header; several may be sent while a worker rotates its secret. */
function digests(header: string): Buffer[] {
  return header
    .split(/[\s,]+/)
    .map((entry) => /^v1=([0-9a-f]{64})$/i.exec(entry)?.[1])
    .filter((hex): hex is string => hex !== undefined)
    .map((hex) => Buffer.from(hex, "hex"));
}

export function httpWorkerWebhookVerifier(config: HttpWorkerWebhookConfig) {
  if (!config.secret) throw new Error("The GPU worker's callback secret is empty.");
  const now = config.now ?? Date.now;

  return {
    async verify(webhook: ProviderWebhook): Promise<VerifiedWebhook> {
      const timestamp = webhook.headers.get("x-atelier-timestamp")?.trim();
      const signature = webhook.headers.get("x-atelier-signature");
      if (!timestamp || !signature) throw new WebhookRejectedError("malformed", "The callback is not signed.");
      if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookRejectedError("malformed", "The callback's timestamp is not unix seconds.");
      const offered = digests(signature);
      if (offered.length === 0) throw new WebhookRejectedError("malformed", "The callback's signature is not in the v1 form.");

      const expected = createHmac("sha256", config.secret).update(`${timestamp}.${webhook.body}`).digest();
      // Every candidate is compared, so the time taken does not say which one matched.
      const matched = offered.map((digest) => timingSafeEqual(digest, expected)).includes(true);
      if (!matched) throw new WebhookRejectedError("bad_signature", "The callback's signature does not match.");
      // Checked after the signature, so a stale answer means a genuine callback replayed late.
      if (Math.abs(now() - Number(timestamp) * 1000) > WEBHOOK_TOLERANCE_MS) {
        throw new WebhookRejectedError("stale_timestamp", "The callback's timestamp is outside the tolerance.");
      }

      let parsed: unknown;
      try {
        parsed = JSON.parse(webhook.body);
      } catch {
        throw new WebhookRejectedError("malformed", "The callback's body is not JSON.");
      }
      const body = callbackBody.safeParse(parsed);
      if (!body.success) throw new WebhookRejectedError("malformed", "The callback does not name a job.");
      return { providerJobId: body.data.id };
    },
  };
}
