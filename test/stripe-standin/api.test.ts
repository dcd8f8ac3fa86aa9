import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { STANDIN_API_VERSION, startStripeStandIn } from "../../dev/stripe/server";
import { createSession, rawApi, sdkFor, SECRET_KEY, STARTER_ITEM, stripeError, useStandIn, WEBHOOK_SECRET } from "./helpers";

const suite = await useStandIn();
const { stripe, standIn } = suite;
const lagging = await useStandIn({ searchLagSeconds: 60 });

describe("customers", () => {
  it("creates, retrieves and finds a customer by metadata", async () => {
    const created = await stripe.customers.create({ email: "owner@api-one.test", name: "Api One", metadata: { shop: "api-one.myshopify.com" } });
    expect(created).toMatchObject({ object: "customer", email: "owner@api-one.test", name: "Api One", livemode: false, metadata: { shop: "api-one.myshopify.com" } });
    expect(created.id).toMatch(/^cus_[A-Za-z0-9]{24}$/);
    expect(Math.abs(created.created - Date.now() / 1000)).toBeLessThan(5);
    expect(await stripe.customers.retrieve(created.id)).toEqual(created);

    await stripe.customers.create({ email: "owner@api-two.test", metadata: { shop: "api-two.myshopify.com" } });
    const found = await stripe.customers.search({ query: "metadata['shop']:'api-one.myshopify.com'" });
    expect(found.object).toBe("search_result");
    expect(found.data.map((c) => c.id)).toEqual([created.id]);
    expect(found.has_more).toBe(false);
  });

  it("understands AND, OR, negation, substrings and double quotes in search queries", async () => {
    const a = await stripe.customers.create({ email: "a@lang.test", name: "Lang Alpha", metadata: { suite: "lang", plan: "pro" } });
    const b = await stripe.customers.create({ email: "b@lang.test", name: "Lang Beta", metadata: { suite: "lang", plan: "free" } });
    const ids = async (query: string) => (await stripe.customers.search({ query })).data.map((c) => c.id).sort();
    expect(await ids(`metadata["suite"]:"lang" AND metadata['plan']:'pro'`)).toEqual([a.id]);
    expect(await ids("email:'a@lang.test' OR email:'b@lang.test'")).toEqual([a.id, b.id].sort());
    expect(await ids("metadata['suite']:'lang' AND -metadata['plan']:'pro'")).toEqual([b.id]);
    expect(await ids("name~'beta' AND metadata['suite']:'lang'")).toEqual([b.id]);
    expect(await ids("metadata['suite']:'nobody'")).toEqual([]);
  });

  it("refuses queries it cannot parse, naming the query parameter", async () => {
    for (const query of ["metadata['shop']", "email:'a' AND name:'b' OR phone:'c'", "colour:'red'", "name~'ab'", "email:'unterminated"]) {
      const error = await stripeError(stripe.customers.search({ query }));
      expect(error.type, query).toBe("StripeInvalidRequestError");
      expect(error.param, query).toBe("query");
    }
  });

  it("pages search results with next_page", async () => {
    for (let i = 0; i < 3; i++) await stripe.customers.create({ metadata: { suite: "paging", n: String(i) } });
    const first = await stripe.customers.search({ query: "metadata['suite']:'paging'", limit: 2 });
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const second = await stripe.customers.search({ query: "metadata['suite']:'paging'", limit: 2, page: first.next_page! });
    expect(second.data).toHaveLength(1);
    expect(second.has_more).toBe(false);
    expect(new Set([...first.data, ...second.data].map((c) => c.metadata.n))).toEqual(new Set(["0", "1", "2"]));
  });

  it("keeps new customers out of search for searchLagSeconds, as Stripe's index lags", async () => {
    const customer = await lagging.stripe.customers.create({ metadata: { shop: "lag.myshopify.com" } });
    const query = "metadata['shop']:'lag.myshopify.com'";
    expect((await lagging.stripe.customers.search({ query })).data).toEqual([]);
    await lagging.control("clock", { advanceSeconds: 61 });
    expect((await lagging.stripe.customers.search({ query })).data.map((c) => c.id)).toEqual([customer.id]);
  });

  it("updates metadata, unsetting keys sent empty", async () => {
    const customer = await stripe.customers.create({ metadata: { shop: "update.myshopify.com", stale: "yes" } });
    const updated = await stripe.customers.update(customer.id, { email: "new@update.test", metadata: { stale: "", plan: "pro" } });
    expect(updated.email).toBe("new@update.test");
    expect(updated.metadata).toEqual({ shop: "update.myshopify.com", plan: "pro" });
  });

  it("answers unknown ids with 404 resource_missing", async () => {
    const error = await stripeError(stripe.customers.retrieve("cus_doesnotexist"));
    expect(error).toMatchObject({ type: "StripeInvalidRequestError", statusCode: 404, code: "resource_missing", param: "id" });
    expect(error.message).toBe("No such customer: 'cus_doesnotexist'");
    for (const path of ["/v1/checkout/sessions/cs_test_nope", "/v1/payment_intents/pi_nope", "/v1/events/evt_nope", "/v1/charges/ch_nope"]) {
      const r = await rawApi(standIn, "GET", path);
      expect(r.status, path).toBe(404);
      expect(r.body.error).toMatchObject({ type: "invalid_request_error", code: "resource_missing" });
    }
  });
});

describe("authentication", () => {
  it("refuses a wrong key with 401 and a redacted key in the message", async () => {
    const error = await stripeError(sdkFor(standIn, "sk_test_wrongwrongwrongkey1234").customers.create({}));
    expect(error.type).toBe("StripeAuthenticationError");
    expect(error.statusCode).toBe(401);
    expect(error.message).toMatch(/^Invalid API Key provided: sk_test_\*+1234$/);
  });

  it("refuses a request without a key, and accepts the key as basic auth", async () => {
    const anonymous = await fetch(`${standIn.url}/v1/customers`, { method: "POST" });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { type: string; message: string } }).error).toMatchObject({
      type: "invalid_request_error",
      message: expect.stringContaining("You did not provide an API key"),
    });
    const basic = await rawApi(standIn, "POST", "/v1/customers", "email=basic%40auth.test", { Authorization: `Basic ${Buffer.from(`${SECRET_KEY}:`).toString("base64")}` });
    expect(basic.status).toBe(200);
    expect(basic.body.email).toBe("basic@auth.test");
  });
});

describe("configuration", () => {
  it("refuses to start with a live key or a secret that is not whsec_", async () => {
    await expect(startStripeStandIn({ secretKey: "sk_live_abc", webhookSecret: WEBHOOK_SECRET })).rejects.toThrow(/test secret key/);
    await expect(startStripeStandIn({ secretKey: SECRET_KEY, webhookSecret: "plain" })).rejects.toThrow(/whsec_/);
  });
});

describe("parameters", () => {
  it("rejects unknown parameters at any depth, as Stripe names them", async () => {
    const top = await stripeError(createSession(suite, { colour: "red" } as never));
    expect(top).toMatchObject({ type: "StripeInvalidRequestError", statusCode: 400, param: "colour", message: "Received unknown parameter: colour" });
    const nested = await stripeError(
      createSession(suite, { line_items: [{ quantity: 1, price_data: { ...STARTER_ITEM.price_data, colour: "red" } as never }] }),
    );
    expect(nested.param).toBe("line_items[0][price_data][colour]");
    expect(nested.message).toBe("Received unknown parameter: line_items[0][price_data][colour]");
  });

  it("names missing required parameters", async () => {
    const noMode = await stripeError(stripe.checkout.sessions.create({ line_items: [STARTER_ITEM] } as never));
    expect(noMode).toMatchObject({ param: "mode", message: "Missing required param: mode.", code: "parameter_missing" });
    const noCurrency = await stripeError(createSession(suite, { line_items: [{ quantity: 1, price_data: { unit_amount: 100, product_data: { name: "x" } } as never }] }));
    expect(noCurrency.param).toBe("line_items[0][price_data][currency]");
    const noQuantity = await stripeError(createSession(suite, { line_items: [{ price_data: STARTER_ITEM.price_data }] }));
    expect(noQuantity.param).toBe("line_items[0][quantity]");
  });

  it("checks values: integers, URLs, currencies, emails, modes and minimum amounts", async () => {
    const cases: [Partial<Stripe.Checkout.SessionCreateParams>, string, RegExp][] = [
      [{ success_url: "not a url" }, "success_url", /Not a valid URL/],
      [{ customer_email: "nobody" }, "customer_email", /Invalid email address/],
      [{ line_items: [{ quantity: 1, price_data: { ...STARTER_ITEM.price_data, currency: "zzz" } }] }, "line_items[0][price_data][currency]", /Invalid currency: zzz/],
      [{ line_items: [{ quantity: 0, price_data: STARTER_ITEM.price_data }] }, "line_items[0][quantity]", /greater than or equal to 1/],
      [{ mode: "subscription" }, "mode", /payment mode only/],
      [{ mode: "bogus" as never }, "mode", /must be one of payment, setup, or subscription/],
      [{ line_items: [{ quantity: 1, price_data: { ...STARTER_ITEM.price_data, unit_amount: 10 } }] }, "line_items", /at least \$0\.50 usd/],
      [{ customer: "cus_missing" }, "customer", /No such customer: 'cus_missing'/],
      [{ automatic_tax: { enabled: true } }, "automatic_tax", /stand-in in dev\/stripe does not model it/],
      [{ line_items: [] }, "line_items", /required in payment mode/],
    ];
    for (const [params, param, message] of cases) {
      const error = await stripeError(createSession(suite, params));
      expect(error.type, param).toBe("StripeInvalidRequestError");
      expect(error.param, param).toBe(param);
      expect(error.message, param).toMatch(message);
    }
    const raw = await rawApi(standIn, "POST", "/v1/checkout/sessions", "mode=payment&line_items[0][quantity]=1.5");
    expect(raw.body.error).toMatchObject({ param: "line_items[0][quantity]", code: "parameter_invalid_integer" });
  });

  it("reads bracket notation as the SDK and curl send it, and refuses what is not a form", async () => {
    const body = new URLSearchParams({
      mode: "payment",
      "line_items[0][quantity]": "2",
      "line_items[0][price_data][currency]": "USD",
      "line_items[0][price_data][unit_amount]": "1900",
      "line_items[0][price_data][product_data][name]": "Raw pack",
      "metadata[shop]": "raw.myshopify.com",
      "expand[]": "line_items",
    }).toString();
    const created = await rawApi(standIn, "POST", "/v1/checkout/sessions", body);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ amount_total: 3800, currency: "usd", metadata: { shop: "raw.myshopify.com" }, line_items: { object: "list" } });
    const conflict = await rawApi(standIn, "POST", "/v1/customers", "metadata=x&metadata[a]=b");
    expect(conflict.body.error).toMatchObject({ message: "Invalid hash", param: "metadata" });
    const json = await rawApi(standIn, "POST", "/v1/customers", JSON.stringify({ email: "a@b.co" }), { "Content-Type": "application/json" });
    expect(json.status).toBe(400);
    expect(json.body.error?.message).toMatch(/application\/x-www-form-urlencoded/);
  });

  it("answers unknown URLs the way Stripe does", async () => {
    const r = await rawApi(standIn, "GET", "/v1/subscriptions");
    expect(r.status).toBe(404);
    expect(r.body.error?.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/subscriptions\)/);
  });
});

describe("protocol", () => {
  it("speaks the API version of the pinned SDK and echoes Stripe-Version and Request-Id", async () => {
    expect(STANDIN_API_VERSION).toBe(Stripe.API_VERSION);
    const customer = await stripe.customers.create({});
    const headers = customer.lastResponse.headers;
    expect(headers["stripe-version"]).toBe(Stripe.API_VERSION);
    expect(customer.lastResponse.requestId).toMatch(/^req_/);
    const bad = await rawApi(standIn, "GET", `/v1/customers/${customer.id}`, undefined, { "Stripe-Version": "yesterday" });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.message).toBe("Invalid Stripe API version: yesterday");
  });
});
