import { describe, expect, it } from "vitest";
import { parseAppEnv } from "~/env.server";
import { parseWorkerEnv } from "../worker/env.server";

describe("configuration", () => {
  it("works with no variables at all in development (the embedded defaults)", () => {
    const env = parseAppEnv({});
    expect(env).toMatchObject({ NODE_ENV: "development", PORT: 3000, WELCOME_BONUS_CREDITS: 10 });
    expect(parseWorkerEnv({}).WORKER_QUEUES).toEqual(["import", "generate", "publish", "maintenance"]);
  });

  it("sells the default credit packs, or a configured list, and refuses a bad list at boot", () => {
    expect(parseAppEnv({}).CREDIT_PACKS.map((p) => p.id)).toEqual(["starter", "studio", "catalog"]);
    const one = JSON.stringify([{ id: "mini", name: "Mini", credits: 5, price: "4.99", currency: "EUR" }]);
    expect(parseAppEnv({ CREDIT_PACKS: one }).CREDIT_PACKS).toEqual([{ id: "mini", name: "Mini", credits: 5, price: "4.99", currency: "EUR" }]);
    const bad = [
      "not json",
      "[]",
      JSON.stringify([{ id: "a", name: "A", credits: 5, price: "0.10", currency: "USD" }]),
      JSON.stringify([{ id: "a", name: "A", credits: 0, price: "5.00", currency: "USD" }]),
      JSON.stringify([{ id: "a", name: "A", credits: 5, price: "5", currency: "usd" }]),
      JSON.stringify([
        { id: "a", name: "A", credits: 5, price: "5.00", currency: "USD" },
        { id: "a", name: "B", credits: 9, price: "9.00", currency: "USD" },
      ]),
    ];
    for (const packs of bad) expect(() => parseAppEnv({ CREDIT_PACKS: packs }), packs).toThrow(/CREDIT_PACKS/);
    expect(() => parseAppEnv({ BILLING_PROVIDER: "paypal" })).toThrow(/BILLING_PROVIDER/);
    expect(() => parseAppEnv({ NODE_ENV: "production", BILLING_PROVIDER: "stripe" })).toThrow(/STRIPE_SECRET_KEY: required in production[\s\S]*STRIPE_WEBHOOK_SECRET/);
  });

  it("exempts stand-in origins from the download guard in development only, in the app and the worker alike", () => {
    const origins = "http://127.0.0.1:3100, http://localhost:4000";
    expect(parseAppEnv({ FETCH_ALLOWED_ORIGINS: origins }).FETCH_ALLOWED_ORIGINS).toEqual(["http://127.0.0.1:3100", "http://localhost:4000"]);
    expect(parseWorkerEnv({ FETCH_ALLOWED_ORIGINS: origins }).FETCH_ALLOWED_ORIGINS).toEqual(["http://127.0.0.1:3100", "http://localhost:4000"]);
    expect(() => parseAppEnv({ FETCH_ALLOWED_ORIGINS: "http://127.0.0.1:3100/path" })).toThrow(/FETCH_ALLOWED_ORIGINS.0: origins like/);
    expect(() => parseAppEnv({ NODE_ENV: "production", FETCH_ALLOWED_ORIGINS: origins })).toThrow(/FETCH_ALLOWED_ORIGINS: not allowed in production/);
  });

  it("names every bad field at once", () => {
    expect(() => parseAppEnv({ PORT: "abc", DATABASE_URL: "mysql://x", REDIS_URL: "nope" })).toThrow(
      /PORT[\s\S]*DATABASE_URL[\s\S]*REDIS_URL/,
    );
    expect(() => parseWorkerEnv({ WORKER_QUEUES: "generate,bogus" })).toThrow(/WORKER_QUEUES/);
  });

  it("refuses development secrets in production", () => {
    const error = (() => {
      try {
        parseAppEnv({ NODE_ENV: "production" });
      } catch (e) {
        return String(e);
      }
    })();
    expect(error).toMatch(/SHOPIFY_API_KEY: required in production/);
    expect(error).toMatch(/SHOPIFY_API_SECRET: required in production/);
    expect(error).toMatch(/SHOPIFY_APP_URL: must be https/);
    expect(error).toMatch(/PROVIDER_WEBHOOK_SECRET: required in production/);
    expect(error).toMatch(/SESSION_ENCRYPTION_KEYS: required in production/);
    expect(
      parseAppEnv({
        NODE_ENV: "production",
        SHOPIFY_API_KEY: "k",
        SHOPIFY_API_SECRET: "s".repeat(32),
        SHOPIFY_APP_URL: "https://atelier.example.com",
        PROVIDER_WEBHOOK_SECRET: "w".repeat(32),
        SESSION_ENCRYPTION_KEYS: `prod1:${Buffer.alloc(32, 3).toString("base64")}`,
      }).NODE_ENV,
    ).toBe("production");
  });

  it("treats empty strings as unset", () => {
    expect(parseAppEnv({ PORT: "", DATABASE_URL: "" }).PORT).toBe(3000);
  });
});
