import type Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { newPage, screenshot, useBrowser } from "../support/browser";
import { createSession, pressButton, readCheckoutPage, useStandIn, type Suite } from "./helpers";

const suite = await useStandIn();
const { stripe, standIn, app } = suite;
const racing = await useStandIn({ redirectBeforeWebhook: true });

/** Events the app received since `from` hooks, verified as the app will verify them. */
function eventsSince(s: Suite, from: number): Stripe.Event[] {
  return s.verifiedEvents().slice(from);
}

function sessionOf(event: Stripe.Event | undefined): Stripe.Checkout.Session {
  expect(event).toBeDefined();
  return event!.data.object as Stripe.Checkout.Session;
}

describe("hosted checkout page", () => {
  it("shows what is bought and offers Pay, Pay by bank transfer and Cancel", async () => {
    const session = await createSession(suite);
    const page = await readCheckoutPage(session.url!);
    expect(page.status).toBe(200);
    expect(page.html).toContain("Starter · 50 credits");
    expect(page.html).toContain("$19.00");
    expect(page.buttons.map((b) => b.label)).toEqual(["Pay", "Pay by bank transfer", "Cancel"]);
    expect(page.action).toBe(session.url);
  });

  it("Pay: completes the session, delivers a verifiable checkout.session.completed, then redirects to success_url", async () => {
    const session = await createSession(suite, { payment_intent_data: { metadata: { purchase: "pur_1" } } });
    const from = app.hooks().length;
    const pressed = await pressButton(session.url!, "Pay");
    expect(pressed.status).toBe(303);
    const location = pressed.headers.get("location")!;
    expect(location).toBe(`${app.url}/app/credits?checkout=${session.id}`);
    // The webhooks were answered before the redirect (the default; see redirectBeforeWebhook).
    const events = eventsSince(suite, from);
    expect(events.map((e) => e.type)).toEqual(["payment_intent.created", "charge.succeeded", "payment_intent.succeeded", "checkout.session.completed"]);
    const landing = await fetch(location);
    expect(await landing.text()).toBe(`page /app/credits?checkout=${session.id}`);

    const completed = events[3]!;
    expect(completed).toMatchObject({ object: "event", api_version: standIn.config.apiVersion, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null } });
    expect(completed.id).toMatch(/^evt_/);
    const paid = sessionOf(completed);
    expect(paid).toMatchObject({ id: session.id, status: "complete", payment_status: "paid", amount_total: 1900, metadata: { pack: "starter" }, url: null });
    expect(paid.payment_intent).toMatch(/^pi_/);

    const hook = app.hooks()[from + 3]!;
    expect(hook.headers["content-type"]).toMatch(/^application\/json/);
    const [, t] = /^t=(\d+),v1=[0-9a-f]{64}$/.exec(String(hook.headers["stripe-signature"]))!;
    expect(Math.abs(Number(t) - Date.now() / 1000)).toBeLessThan(5);
    expect(standIn.state.deliveriesOf(completed.id).map((d) => d.status)).toEqual([200]);

    const intent = await stripe.paymentIntents.retrieve(String(paid.payment_intent));
    expect(intent).toMatchObject({ status: "succeeded", amount: 1900, amount_received: 1900, metadata: { purchase: "pur_1" } });
    const charge = await stripe.charges.retrieve(String(intent.latest_charge));
    expect(charge).toMatchObject({ object: "charge", paid: true, amount: 1900, amount_refunded: 0, payment_intent: intent.id, status: "succeeded" });
    const stored = await stripe.events.retrieve(completed.id);
    expect(stored).toMatchObject({ id: completed.id, type: "checkout.session.completed", pending_webhooks: 0 });

    const after = await readCheckoutPage(session.url!);
    expect(after.html).toContain("This checkout session is already complete");
    const hooksBefore = app.hooks().length;
    const again = await fetch(session.url!, { method: "POST", body: new URLSearchParams({ action: "pay" }), redirect: "manual" });
    expect(again.status).toBe(409);
    expect(app.hooks().length).toBe(hooksBefore);
  });

  it("Pay by bank transfer: completes unpaid, then the async payment succeeds", async () => {
    const session = await createSession(suite);
    const from = app.hooks().length;
    const pressed = await pressButton(session.url!, "Pay by bank transfer");
    expect(pressed.status).toBe(303);
    const completed = eventsSince(suite, from).find((e) => e.type === "checkout.session.completed");
    expect(sessionOf(completed)).toMatchObject({ status: "complete", payment_status: "unpaid" });
    const intentId = String(sessionOf(completed).payment_intent);
    expect((await stripe.paymentIntents.retrieve(intentId)).status).toBe("processing");

    const mid = app.hooks().length;
    const settled = await suite.control<{ events: { id: string; type: string }[]; deliveries: { eventId: string; status: number }[] }>(
      `checkout/sessions/${session.id}/async-payment`,
      { outcome: "succeeded" },
    );
    expect(settled.status).toBe(200);
    const succeeded = eventsSince(suite, mid).find((e) => e.type === "checkout.session.async_payment_succeeded");
    expect(sessionOf(succeeded)).toMatchObject({ id: session.id, status: "complete", payment_status: "paid" });
    expect(settled.body.deliveries.find((d) => d.eventId === succeeded!.id)?.status).toBe(200);
    expect((await stripe.paymentIntents.retrieve(intentId)).status).toBe("succeeded");
  });

  it("Pay by bank transfer: the async payment can fail, leaving the session unpaid", async () => {
    const session = await createSession(suite);
    expect((await pressButton(session.url!, "Pay by bank transfer")).status).toBe(303);
    const mid = app.hooks().length;
    await suite.control(`checkout/sessions/${session.id}/async-payment`, { outcome: "failed" });
    const failed = eventsSince(suite, mid).find((e) => e.type === "checkout.session.async_payment_failed");
    expect(sessionOf(failed)).toMatchObject({ id: session.id, status: "complete", payment_status: "unpaid" });
    const again = await suite.control(`checkout/sessions/${session.id}/async-payment`, { outcome: "succeeded" });
    expect(again.status).toBe(409);
  });

  it("Cancel: back to cancel_url, nothing delivered, the session still open", async () => {
    const session = await createSession(suite);
    const from = app.received.length;
    const pressed = await pressButton(session.url!, "Cancel");
    expect(pressed.status).toBe(303);
    expect(pressed.headers.get("location")).toBe(`${app.url}/app/credits?cancelled=1`);
    expect(app.received.length).toBe(from);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("open");
  });

  it("without success_url, shows its own confirmation page", async () => {
    const session = await createSession(suite, { success_url: undefined, cancel_url: undefined });
    const pressed = await pressButton(session.url!, "Pay");
    expect(pressed.status).toBe(200);
    expect(await pressed.text()).toContain("Payment complete");
  });

  it("says so for an unknown session", async () => {
    const r = await fetch(`${standIn.url}/pay/cs_test_unknown`);
    expect(r.status).toBe(404);
    expect(await r.text()).toContain("Checkout session not found");
  });

  it("can be used by a person: buttons found by their accessible names", async () => {
    const browser = await useBrowser();
    const { page, errors } = await newPage(browser);
    const session = await createSession(suite);
    await page.goto(session.url!);
    await screenshot(page, "stripe-standin-checkout");
    await page.getByRole("button", { name: "Pay", exact: true }).click();
    await page.waitForURL(`${app.url}/app/credits?checkout=${session.id}`);
    expect(errors).toEqual([]);
    expect((await stripe.checkout.sessions.retrieve(session.id)).payment_status).toBe("paid");
  });
});

describe("redirectBeforeWebhook", () => {
  it("lets the shopper land on success_url before the app has answered the webhook", async () => {
    racing.app.answer(200, 300);
    const session = await createSession(racing);
    const pressed = await pressButton(session.url!, "Pay");
    expect(pressed.status).toBe(303);
    expect(racing.standIn.state.deliveries.filter((d) => d.type === "checkout.session.completed")).toEqual([]);
    await racing.standIn.idle();
    expect(racing.standIn.state.deliveries.filter((d) => d.type === "checkout.session.completed").map((d) => d.status)).toEqual([200]);
    expect(racing.verifiedEvents().map((e) => e.type)).toContain("checkout.session.completed");
  });
});
