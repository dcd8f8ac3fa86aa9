import { randomBytes } from "node:crypto";
import { newId } from "./ids";
import type { StripeEvent, StripeObject } from "./objects";
import type { RequestInfo, StandInRuntime } from "./runtime";
import { signatureHeader } from "./signature";
import type { Delivery, SignatureMode } from "./state";

const STALE_SECONDS = 600;
const DELIVERY_TIMEOUT_MS = 10_000;

function subscribed(runtime: StandInRuntime, type: string): boolean {
  const enabled = runtime.config.enabledEvents;
  return enabled.includes("*") || enabled.includes(type);
}

/** Records an event with a snapshot of `object` as it is now. */
export function recordEvent(
  runtime: StandInRuntime,
  type: string,
  object: StripeObject,
  request: RequestInfo,
  previous?: Record<string, unknown>,
): StripeEvent {
  const event: StripeEvent = {
    id: newId("event"),
    object: "event",
    api_version: runtime.config.apiVersion,
    created: runtime.state.now(),
    data: previous ? { object: structuredClone(object), previous_attributes: previous } : { object: structuredClone(object) },
    livemode: false,
    pending_webhooks: runtime.config.webhookUrl && subscribed(runtime, type) ? 1 : 0,
    request: { ...request },
    type,
  };
  runtime.state.put(event);
  // Stripe sends pretty-printed JSON: an app that re-serialises the body before
  // verifying the signature fails here as it would in production.
  runtime.state.eventBodies.set(event.id, JSON.stringify(event, null, 2));
  return event;
}

/** POSTs the event's recorded bytes to the webhook URL, signed as asked, and records the outcome. */
export async function deliverEvent(runtime: StandInRuntime, event: StripeEvent, signature: SignatureMode = "valid"): Promise<Delivery> {
  const url = runtime.config.webhookUrl;
  if (!url) throw new Error("the Stripe stand-in has no webhookUrl to deliver to");
  const body = runtime.state.eventBodies.get(event.id)!;
  const wallClock = Math.floor(Date.now() / 1000);
  const timestamp = signature === "stale" ? wallClock - STALE_SECONDS : wallClock;
  const secret = signature === "wrong_secret" ? `whsec_${randomBytes(24).toString("base64url")}` : runtime.config.webhookSecret;
  const started = Date.now();
  const delivery: Delivery = { eventId: event.id, type: event.type, url, status: null, signature, at: started, durationMs: 0 };
  try {
    const response = await fetch(url, {
      method: "POST",
      body,
      headers: {
        "Content-Type": "application/json; charset=utf-8",
        "Stripe-Signature": signatureHeader(body, secret, timestamp),
        "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        Accept: "*/*; q=0.5, application/xml",
        "Cache-Control": "no-cache",
      },
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.arrayBuffer().catch(() => undefined);
    delivery.status = response.status;
    if (response.status >= 200 && response.status < 300) event.pending_webhooks = 0;
  } catch (error) {
    delivery.error = String((error as Error).cause ?? error);
  }
  delivery.durationMs = Date.now() - started;
  runtime.state.deliveries.push(delivery);
  return delivery;
}

/** Sends, one after another in the order they happened, the events the endpoint subscribes to. */
export async function deliverSubscribed(runtime: StandInRuntime, events: StripeEvent[]): Promise<Delivery[]> {
  const deliveries: Delivery[] = [];
  if (!runtime.config.webhookUrl) return deliveries;
  for (const event of events) {
    if (subscribed(runtime, event.type)) deliveries.push(await deliverEvent(runtime, event));
  }
  return deliveries;
}
