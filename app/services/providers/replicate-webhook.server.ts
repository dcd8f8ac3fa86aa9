import { createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { WEBHOOK_TOLERANCE_MS, WebhookRejectedError, type ProviderWebhook, type VerifiedWebhook } from "./webhook.server";

// Replicate signs webhooks the Standard Webhooks way (https://replicate.com/docs/topics/webhooks/verify-webhook):
// HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${raw body}`, keyed with the
// base64 after `whsec_` in the account's signing secret (GET /v1/webhooks/default/secret),
// sent as a space-separated list of `v1,<base64>` (several during a key rotation).
// Written out with node:crypto rather than the `standardwebhooks` package: it is this
// short, and it keeps our rejection reasons.

export interface ReplicateWebhookConfig {
  /** `whsec_…` */
  secret: string;
  /** Milliseconds since the epoch; tests move the clock. */
  now?: () => number;
}

const body = z.object({ id: z.string().min(1).max(200) });

function signingKey(secret: string): Buffer {
  const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  const key = Buffer.from(encoded, "base64");
  // Never echo the secret: a bad one is a configuration mistake, not something to log.
  if (key.length < 16 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error("The Replicate webhook secret is not a whsec_ signing secret.");
  return key;
}

export function replicateWebhookVerifier(config: ReplicateWebhookConfig) {
  const key = signingKey(config.secret);
  const now = config.now ?? Date.now;

  return {
    async verify(webhook: ProviderWebhook): Promise<VerifiedWebhook> {
      const id = webhook.headers.get("webhook-id");
      const timestamp = webhook.headers.get("webhook-timestamp");
      const signatures = webhook.headers.get("webhook-signature");
      if (!id || !timestamp || !signatures) throw new WebhookRejectedError("malformed", "The webhook is missing its Standard Webhooks headers.");
      if (!/^\d{1,12}$/.test(timestamp)) throw new WebhookRejectedError("malformed", "The webhook timestamp is not in seconds.");

      if (Math.abs(now() - Number(timestamp) * 1000) > WEBHOOK_TOLERANCE_MS) {
        throw new WebhookRejectedError("stale_timestamp", "The webhook timestamp is outside the accepted window.");
      }

      const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${webhook.body}`).digest();
      const valid = signatures.split(" ").some((entry) => {
        const comma = entry.indexOf(",");
        if (comma < 0 || entry.slice(0, comma) !== "v1") return false;
        const given = Buffer.from(entry.slice(comma + 1), "base64");
        return given.length === expected.length && timingSafeEqual(given, expected);
      });
      if (!valid) throw new WebhookRejectedError("bad_signature", "The webhook signature does not match.");

      let parsed: z.infer<typeof body>;
      try {
        parsed = body.parse(JSON.parse(webhook.body));
      } catch {
        throw new WebhookRejectedError("malformed", "The webhook body is not a Replicate prediction.");
      }
      return { providerJobId: parsed.id };
    },
  };
}
