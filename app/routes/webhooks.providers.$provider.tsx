import type { ActionFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { appEnv } from "~/env.server";
import { logger } from "~/logger.server";
import { providerWebhookVerifiers } from "~/provider-webhooks.server";
import { wakeGeneration } from "~/queues.server";
import { acceptProviderWebhook } from "~/services/providers/webhook-intake.server";

const MAX_BODY_BYTES = 1024 * 1024;

// Answers fast: the intake only authenticates and wakes the job; the worker does the work.
export const action = async ({ request, params }: ActionFunctionArgs) => {
  if (request.method !== "POST") return Response.json({ error: "POST only" }, { status: 405 });
  const length = Number(request.headers.get("content-length") ?? 0);
  if (length > MAX_BODY_BYTES) return Response.json({ error: "Body too large" }, { status: 413 });
  const body = await request.text();
  if (body.length > MAX_BODY_BYTES) return Response.json({ error: "Body too large" }, { status: 413 });
  const provider = params.provider ?? "";
  const answer = await acceptProviderWebhook(
    { db: prisma, secret: appEnv().PROVIDER_WEBHOOK_SECRET, verifiers: providerWebhookVerifiers(), wake: wakeGeneration },
    provider,
    new URL(request.url),
    { body, headers: request.headers },
  );
  if (answer.status >= 400) logger.warn({ provider, status: answer.status, reason: "error" in answer.body ? answer.body.error : undefined }, "provider webhook refused");
  return Response.json(answer.body, { status: answer.status });
};

export const loader = () => Response.json({ error: "POST only" }, { status: 405 });
