import { describe, expect, it } from "vitest";
import { createSession, readCheckoutPage, stripeError, useStandIn } from "./helpers";

const suite = await useStandIn();
const { stripe, standIn, app } = suite;

describe("Checkout Sessions", () => {
  it("creates a payment-mode session with Stripe's shape", async () => {
    const customer = await stripe.customers.create({ email: "buyer@checkout.test", metadata: { shop: "checkout.myshopify.com" } });
    const session = await createSession(suite, {
      customer: customer.id,
      client_reference_id: "shop_42",
      payment_intent_data: { metadata: { purchase: "p_1" }, description: "Atelier credits" },
    });
    expect(session.id).toMatch(/^cs_test_[A-Za-z0-9]{58}$/);
    expect(session).toMatchObject({
      object: "checkout.session",
      mode: "payment",
      status: "open",
      payment_status: "unpaid",
      amount_subtotal: 1900,
      amount_total: 1900,
      currency: "usd",
      customer: customer.id,
      client_reference_id: "shop_42",
      metadata: { shop: "atelier-test.myshopify.com", pack: "starter" },
      payment_intent: null,
      livemode: false,
      url: `${standIn.url}/pay/${session.id}`,
      success_url: `${app.url}/app/credits?checkout={CHECKOUT_SESSION_ID}`,
    });
    expect(session.expires_at - session.created).toBe(24 * 3600);
    expect(session.line_items).toBeUndefined();
  });

  it("retrieves with expanded line items and lists them page by page", async () => {
    const session = await createSession(suite, {
      line_items: [
        { quantity: 2, price_data: { currency: "eur", unit_amount: 1250, product_data: { name: "Studio" } } },
        { quantity: 1, price_data: { currency: "eur", unit_amount: 500, product_data: { name: "Extra" } } },
      ],
    });
    expect(session.amount_total).toBe(3000);
    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ["line_items", "line_items.data.price.product"] });
    expect(expanded.line_items?.object).toBe("list");
    expect(expanded.line_items?.data).toHaveLength(2);
    const [studio] = expanded.line_items!.data;
    expect(studio).toMatchObject({ object: "item", description: "Studio", quantity: 2, amount_total: 2500, currency: "eur", price: { object: "price", unit_amount: 1250, type: "one_time" } });
    expect(studio!.id).toMatch(/^li_/);
    expect(studio!.price?.product).toMatchObject({ object: "product", name: "Studio" });

    const firstPage = await stripe.checkout.sessions.listLineItems(session.id, { limit: 1 });
    expect(firstPage).toMatchObject({ object: "list", has_more: true, url: `/v1/checkout/sessions/${session.id}/line_items` });
    const secondPage = await stripe.checkout.sessions.listLineItems(session.id, { limit: 1, starting_after: firstPage.data[0]!.id });
    expect(secondPage.data.map((i) => i.description)).toEqual(["Extra"]);
    expect(secondPage.has_more).toBe(false);

    const bad = await stripeError(stripe.checkout.sessions.retrieve(session.id, { expand: ["nope"] }));
    expect(bad.message).toBe("This property cannot be expanded (nope).");
  });

  it("expands the customer and, once paid, the payment intent and its charge", async () => {
    const customer = await stripe.customers.create({ email: "expand@checkout.test" });
    const session = await createSession(suite, { customer: customer.id });
    await suite.control(`checkout/sessions/${session.id}/complete`, { payment: "paid" });
    const expanded = await stripe.checkout.sessions.retrieve(session.id, { expand: ["customer", "payment_intent.latest_charge"] });
    expect(expanded.customer).toMatchObject({ object: "customer", id: customer.id });
    expect(expanded.payment_intent).toMatchObject({ object: "payment_intent", status: "succeeded", latest_charge: { object: "charge", paid: true } });
  });

  it("accepts customer_email or customer, not both, and checks expires_at", async () => {
    const customer = await stripe.customers.create({});
    const both = await stripeError(createSession(suite, { customer: customer.id, customer_email: "x@y.co" }));
    expect(both.message).toMatch(/only specify one of these parameters: customer, customer_email/);
    const soon = await stripeError(createSession(suite, { expires_at: Math.floor(Date.now() / 1000) + 60 }));
    expect(soon.param).toBe("expires_at");
    const custom = await createSession(suite, { expires_at: Math.floor(Date.now() / 1000) + 3600, customer_email: "x@y.co" });
    expect(custom.customer_email).toBe("x@y.co");
  });

  it("expires an open session through the API, once, with a checkout.session.expired event", async () => {
    const session = await createSession(suite);
    const expired = await stripe.checkout.sessions.expire(session.id);
    expect(expired).toMatchObject({ id: session.id, status: "expired", url: null });
    await standIn.idle();
    const event = suite.verifiedEvents().find((e) => e.type === "checkout.session.expired" && (e.data.object as { id: string }).id === session.id);
    expect(event?.request).toEqual({ id: expired.lastResponse.requestId, idempotency_key: expect.stringMatching(/^stripe-node-retry-/) });
    const again = await stripeError(stripe.checkout.sessions.expire(session.id));
    expect(again.message).toMatch(/status of "expired"/);
    expect((await readCheckoutPage(session.url!)).html).toContain("This checkout session has expired");
  });

  it("expires sessions once the clock passes expires_at", async () => {
    const session = await createSession(suite, { expires_at: Math.floor(Date.now() / 1000) + 3600 });
    const tick = await suite.control<{ events: { id: string; type: string }[]; deliveries: { status: number }[] }>("clock", { advanceSeconds: 3601 });
    expect(tick.body.events.map((e) => e.type)).toContain("checkout.session.expired");
    expect(tick.body.deliveries.every((d) => d.status === 200)).toBe(true);
    expect((await stripe.checkout.sessions.retrieve(session.id)).status).toBe("expired");
    const pay = await suite.control(`checkout/sessions/${session.id}/complete`, {});
    expect(pay.status).toBe(409);
  });
});
