import type { PrismaClient } from "@prisma/client";
import { z } from "zod";
import { verifyWebhookToken } from "./webhook-token.server";
import { WebhookRejectedError, type ProviderWebhook, type VerifiedWebhook } from "./webhook.server";

export type WebhookVerifier = (webhook: ProviderWebhook) => Promise<VerifiedWebhook>;

export interface WebhookIntakeDeps {
  db: PrismaClient;
  /** Signs the job token in every webhook URL we hand a provider. */
  secret: string;
  verifiers: Readonly<Record<string, WebhookVerifier>>;
  /** Runs the job's next check now (BullMQ promote); the worker does the work. */
  wake: (jobIds: string[]) => Promise<void>;
}

export interface WebhookAnswer {
  status: number;
  body: { ok: true; ignored?: string } | { error: string };
}

const query = z.object({ job: z.uuid(), token: z.string().min(20).max(100) });

/**
 * A provider's webhook: authenticate it (the job token, then the provider's own
 * signature), match it to the job it was issued for, and wake that job. The body's
 * claims are never acted on here — the worker re-fetches the status — so a
 * duplicate changes nothing and a webhook for another job or an unknown id is ignored.
 */
export async function acceptProviderWebhook(deps: WebhookIntakeDeps, provider: string, url: URL, webhook: ProviderWebhook): Promise<WebhookAnswer> {
  const verify = deps.verifiers[provider];
  if (!verify) return { status: 404, body: { error: `No webhooks are configured for provider "${provider}".` } };
  const q = query.safeParse(Object.fromEntries(url.searchParams));
  if (!q.success || !verifyWebhookToken(deps.secret, provider, q.data.job, q.data.token)) {
    return { status: 401, body: { error: "This webhook URL is not one Atelier issued." } };
  }
  let verified: VerifiedWebhook;
  try {
    verified = await verify(webhook);
  } catch (error) {
    if (error instanceof WebhookRejectedError) return { status: 401, body: { error: `Webhook refused: ${error.reason}.` } };
    throw error;
  }
  const job = await deps.db.generationJob.findFirst({
    where: { id: q.data.job, provider, providerJobId: verified.providerJobId },
    select: { id: true, status: true },
  });
  if (!job) return { status: 200, body: { ok: true, ignored: "no job of ours is waiting on this request" } };
  if (job.status !== "processing" && job.status !== "cancelled") return { status: 200, body: { ok: true, ignored: "the job is already finished" } };
  await deps.wake([job.id]);
  return { status: 200, body: { ok: true } };
}
