import { appEnv } from "./env.server";
import { falWebhookVerifier } from "./services/providers/fal-webhook.server";
import { verifyFashnWebhook } from "./services/providers/fashn-webhook.server";
import { httpWorkerWebhookVerifier } from "./services/providers/http-worker-webhook.server";
import { replicateWebhookVerifier } from "./services/providers/replicate-webhook.server";
import type { WebhookVerifier } from "./services/providers/webhook-intake.server";

let cached: Record<string, WebhookVerifier> | undefined;

/** The webhook verifiers this app is configured for (fal's JWKS cache lives as long as the process). */
export function providerWebhookVerifiers(): Record<string, WebhookVerifier> {
  if (cached) return cached;
  const env = appEnv();
  const fal = falWebhookVerifier({ jwksUrl: env.FAL_JWKS_URL });
  const verifiers: Record<string, WebhookVerifier> = {
    fashn: async (w) => verifyFashnWebhook(w),
    fal: (w) => fal.verify(w),
  };
  if (env.REPLICATE_WEBHOOK_SECRET) {
    const replicate = replicateWebhookVerifier({ secret: env.REPLICATE_WEBHOOK_SECRET });
    verifiers.replicate = (w) => replicate.verify(w);
  }
  if (env.GPU_WORKER_WEBHOOK_SECRET) {
    const http = httpWorkerWebhookVerifier({ secret: env.GPU_WORKER_WEBHOOK_SECRET });
    verifiers.http = (w) => http.verify(w);
  }
  cached = verifiers;
  return cached;
}
