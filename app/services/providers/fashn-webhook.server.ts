import { z } from "zod";
import { WebhookRejectedError, type ProviderWebhook, type VerifiedWebhook } from "./webhook.server";

// FASHN signs nothing: its webhook is the status answer POSTed to the webhook_url given
// at /v1/run. Authenticity rests on the per-job token in that URL (checked by the route)
// and on the worker re-fetching the status, so here the body only has to be FASHN's shape.

const fashnWebhookBody = z.object({
  id: z.string().min(1).max(200),
  status: z.enum(["starting", "in_queue", "processing", "completed", "failed", "canceled", "time_out"]),
  output: z.array(z.string()).nullish(),
  error: z.object({ name: z.string(), message: z.string().optional() }).nullish(),
});

export function verifyFashnWebhook(webhook: ProviderWebhook): VerifiedWebhook {
  let json: unknown;
  try {
    json = JSON.parse(webhook.body);
  } catch {
    throw new WebhookRejectedError("malformed", "The FASHN webhook body is not JSON.");
  }
  const parsed = fashnWebhookBody.safeParse(json);
  if (!parsed.success) throw new WebhookRejectedError("malformed", "The FASHN webhook body is not a prediction status.");
  return { providerJobId: parsed.data.id };
}
