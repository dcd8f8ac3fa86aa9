import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { readJson } from "../shopify/http/util";
import type { StandInControls } from "./control";
import { invalidRequest } from "./errors";
import type { StandInRuntime } from "./runtime";

// /__stripe/… : the control operations over HTTP, JSON in and out (not Stripe's API).

const signature = z.enum(["valid", "stale", "wrong_secret"]).optional();
const target = {
  charge: z.string().optional(),
  payment_intent: z.string().optional(),
  checkout_session: z.string().optional(),
};
const schemas = {
  complete: z.object({ payment: z.enum(["paid", "async"]).default("paid") }).strict(),
  asyncPayment: z.object({ outcome: z.enum(["succeeded", "failed"]) }).strict(),
  refund: z.object({ ...target, amount: z.number().int().min(1).optional(), reason: z.enum(["duplicate", "fraudulent", "requested_by_customer"]).optional() }).strict(),
  dispute: z.object({ ...target, amount: z.number().int().min(1).optional(), reason: z.string().min(1).optional() }).strict(),
  closeDispute: z.object({ status: z.enum(["won", "lost"]) }).strict(),
  redeliver: z.object({ times: z.number().int().min(1).optional(), signature }).strict(),
  event: z.object({ type: z.string().min(1), object: z.record(z.string(), z.unknown()), signature }).strict(),
  clock: z.object({ advanceSeconds: z.number().min(0) }).strict(),
  webhookUrl: z.object({ url: z.string().url().nullable() }).strict(),
};

async function body<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const parsed = schema.safeParse((await readJson(req)) ?? {});
  if (!parsed.success) throw invalidRequest(`Invalid control request: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

function json(res: ServerResponse, status: number, payload: unknown) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(payload, null, 2));
}

/** Serves a /__stripe/ request; returns false when the path is not a control route. */
export async function handleControl(runtime: StandInRuntime, control: StandInControls, req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const post = req.method === "POST";
  let m: RegExpExecArray | null;
  if (req.method === "GET" && path === "/__stripe/health") json(res, 200, { ok: true });
  else if (req.method === "GET" && path === "/__stripe/deliveries") json(res, 200, { deliveries: runtime.state.deliveries });
  else if (post && (m = /^\/__stripe\/checkout\/sessions\/([^/]+)\/complete$/.exec(path))) {
    json(res, 200, await control.completeSession(m[1]!, (await body(req, schemas.complete)).payment));
  } else if (post && (m = /^\/__stripe\/checkout\/sessions\/([^/]+)\/async-payment$/.exec(path))) {
    json(res, 200, await control.resolveAsyncPayment(m[1]!, (await body(req, schemas.asyncPayment)).outcome));
  } else if (post && path === "/__stripe/refunds") json(res, 200, await control.refund(await body(req, schemas.refund)));
  else if (post && path === "/__stripe/disputes") json(res, 200, await control.dispute(await body(req, schemas.dispute)));
  else if (post && (m = /^\/__stripe\/disputes\/([^/]+)\/close$/.exec(path))) {
    json(res, 200, await control.closeDispute(m[1]!, (await body(req, schemas.closeDispute)).status));
  } else if (post && (m = /^\/__stripe\/events\/([^/]+)\/redeliver$/.exec(path))) {
    json(res, 200, await control.redeliver(m[1]!, await body(req, schemas.redeliver)));
  } else if (post && path === "/__stripe/events") {
    const input = await body(req, schemas.event);
    json(res, 200, await control.sendEvent(input.type, input.object, { signature: input.signature }));
  } else if (post && path === "/__stripe/clock") json(res, 200, await control.advanceClock((await body(req, schemas.clock)).advanceSeconds));
  else if (post && path === "/__stripe/webhook-url") {
    runtime.config.webhookUrl = (await body(req, schemas.webhookUrl)).url;
    json(res, 200, { webhookUrl: runtime.config.webhookUrl });
  } else return false;
  return true;
}
