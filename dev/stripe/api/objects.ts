import { invalidRequest, resourceMissing } from "../errors";
import { expand } from "../expand";
import { refundCharge } from "../money";
import { applyMetadata, EXPAND } from "../params";
import type { Route } from "./route";

// Read-only retrieval of what payments create, and POST /v1/refunds.

const RETRIEVABLE: Record<string, string> = {
  payment_intents: "payment_intent",
  charges: "charge",
  refunds: "refund",
  disputes: "dispute",
  events: "event",
};

export const objectRoutes: Route[] = [
  {
    method: "GET",
    path: /^\/v1\/(payment_intents|charges|refunds|disputes|events)\/([^/]+)$/,
    params: { expand: EXPAND },
    run(ctx, params, [collection, id]) {
      const kind = RETRIEVABLE[collection!]!;
      const object = ctx.runtime.state.find(kind, id!);
      if (!object) throw resourceMissing(kind, id!);
      return { body: expand(ctx.runtime, object, (params as { expand?: string[] }).expand) };
    },
  },
  {
    method: "POST",
    path: /^\/v1\/refunds$/,
    params: {
      charge: { type: "string", format: "id" },
      payment_intent: { type: "string", format: "id" },
      amount: { type: "integer", min: 1 },
      reason: { type: "string", enum: ["duplicate", "fraudulent", "requested_by_customer"] },
      metadata: { type: "metadata" },
      expand: EXPAND,
      ...Object.fromEntries(
        ["currency", "customer", "instructions_email", "origin", "refund_application_fee", "reverse_transfer"].map((n) => [n, { type: "unsupported" } as const]),
      ),
    },
    run(ctx, params) {
      const input = params as { charge?: string; payment_intent?: string; amount?: number; reason?: string; metadata?: Record<string, string> | null; expand?: string[] };
      if (input.charge === undefined && input.payment_intent === undefined) {
        throw invalidRequest("One of the following params should be provided for this request: payment_intent or charge.", "charge");
      }
      if (input.charge !== undefined && input.payment_intent !== undefined) {
        throw invalidRequest("You may only specify one of these parameters: charge, payment_intent.", "payment_intent");
      }
      const { refund, events } = refundCharge(ctx.runtime, { ...input, metadata: applyMetadata({}, input.metadata) }, ctx.request);
      return { body: expand(ctx.runtime, refund, input.expand), events };
    },
  },
];
