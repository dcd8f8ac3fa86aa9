import { describe, expect, it } from "vitest";
import {
  blocker,
  canSubmit,
  initialState,
  MAX_IMPORT_POLLS,
  priceView,
  quoteDue,
  quoteSearch,
  reduce,
  shootRequest,
  type ShootFormEvent,
  type ShootFormState,
} from "../../extensions/shared/shoot-form";
import { OPTIONS, product, quote } from "./fixtures";

const run = (state: ShootFormState, ...events: ShootFormEvent[]) => events.reduce(reduce, state);

/** The state after the first quote, as the component reaches it. */
function quoted(productIds: string[], q = quote({ products: productIds.map((id) => ({ id })) })) {
  const start = initialState(productIds, "client-key-1");
  return run(start, { type: "quoted", search: quoteDue(start)!, quote: q });
}

describe("the admin actions' shoot form", () => {
  it("asks the backend for its defaults first, then prices explicit choices without a second fetch", () => {
    const start = initialState([product(1), product(1), product(2)], "client-key-1");
    expect(start.productIds).toEqual([product(1), product(2)]);
    expect(quoteDue(start)).toBe(`productIds=${product(1)},${product(2)}`);
    const ready = run(start, { type: "quoted", search: quoteDue(start)!, quote: quote({ products: [{ id: product(1) }, { id: product(2) }] }) });
    expect(ready.options).toEqual(OPTIONS);
    expect(quoteDue(ready)).toBeNull();
    expect(canSubmit(ready)).toBe(true);
  });

  it("keeps 250 product ids within a request line", () => {
    const ids = Array.from({ length: 250 }, (_, i) => product(9_000_000_000_000 + i));
    const search = quoteSearch({ productIds: ids, lookId: null, options: OPTIONS });
    expect(new URLSearchParams(search).get("productIds")!.split(",")).toEqual(ids);
    expect(search.length).toBeLessThan(12_000);
    expect(quoteSearch({ productIds: ["gid://shopify/Product/1&lookId=x"], lookId: null, options: null })).toBe("productIds=gid://shopify/Product/1%26lookId%3Dx");
  });

  it("re-quotes on every change of choice, and drops answers for a choice since changed", () => {
    const ready = quoted([product(1)]);
    const hd = run(ready, { type: "setOption", key: "generationType", value: "hd" });
    const search = quoteDue(hd)!;
    expect(new URLSearchParams(search).get("generationType")).toBe("hd");
    expect(canSubmit(hd)).toBe(false);
    const twice = run(hd, { type: "setOption", key: "variations", value: "2" });
    // The answer for "hd, 1 photo" arrives after the merchant chose 2 photos: ignored.
    const stale = run(twice, { type: "quoted", search, quote: quote({ products: [{ id: product(1) }], options: { ...OPTIONS, generationType: "hd" } }) });
    expect(stale.quote).toBe(ready.quote);
    expect(quoteDue(stale)).toBe(quoteDue(twice));
    const fresh = run(twice, { type: "quoted", search: quoteDue(twice)!, quote: quote({ products: [{ id: product(1) }], options: { ...OPTIONS, generationType: "hd", variations: 2 } }) });
    expect(priceView(fresh.quote!)).toEqual({ total: "4 credits", breakdown: "2 photos × 2 credits", balance: "Balance after: 6 (now 10)", short: false });
    expect(canSubmit(fresh)).toBe(true);
  });

  it("takes a saved look's options, keeps photos per product as an override, and leaves the look on a preset change", () => {
    const look = { id: "5b0c3c0e-8a1e-4c7e-9a51-3f0c1c6f2a10", name: "Beach", options: { ...OPTIONS, scenePreset: "beach", generationType: "hd", variations: 3 } };
    const ready = quoted([product(1)], quote({ products: [{ id: product(1) }], looks: [look] }));
    const withLook = run(ready, { type: "chooseLook", lookId: look.id });
    expect(withLook.options).toEqual(look.options);
    const params = new URLSearchParams(quoteDue(withLook)!);
    expect(Object.fromEntries(params)).toEqual({ productIds: product(1), lookId: look.id, variations: "3" });
    const fewer = run(withLook, { type: "setOption", key: "variations", value: "1" });
    expect(fewer.lookId).toBe(look.id);
    expect(shootRequest({ ...fewer, options: fewer.options! })).toEqual({ clientKey: "client-key-1", productIds: [product(1)], variations: 1, lookId: look.id });
    const custom = run(fewer, { type: "setOption", key: "posePreset", value: "walking" });
    expect(custom.lookId).toBeNull();
    expect(shootRequest({ ...custom, options: custom.options! })).toMatchObject({ options: { ...look.options, variations: 1, posePreset: "walking" } });
    // An unknown look (deleted meanwhile) falls back to presets.
    expect(run(withLook, { type: "chooseLook", lookId: "gone" }).lookId).toBeNull();
  });

  it("blocks the shoot while products lack photos, imports them, and can leave them out", () => {
    const q = quote({ products: [{ id: product(1) }, { id: product(2), photo: false }, { id: product(3), photo: false }] });
    const ready = quoted([product(1), product(2), product(3)], q);
    expect(blocker(ready)).toEqual({ kind: "missing_photos", message: "2 products have no photo in Atelier yet. Import their images from Shopify first." });
    expect(canSubmit(ready)).toBe(false);

    const importing = run(ready, { type: "importStarted" });
    expect(importing.phase).toBe("importing");
    // Each poll asks for a fresh quote; the phase ends when every product has a photo.
    const polled = run(importing, { type: "refresh" });
    expect(quoteDue(polled)).not.toBeNull();
    const partly = run(polled, { type: "quoted", search: quoteDue(polled)!, quote: quote({ products: [{ id: product(1) }, { id: product(2) }, { id: product(3), photo: false }] }) });
    expect(partly.phase).toBe("importing");
    const done = run(partly, { type: "refresh" }, { type: "quoted", search: quoteSearch(partly), quote: quote({ products: [{ id: product(1) }, { id: product(2) }, { id: product(3) }] }) });
    expect(done.phase).toBe("ready");
    expect(canSubmit(done)).toBe(true);

    const leftOut = run(ready, { type: "leaveOutMissing" });
    expect(leftOut.productIds).toEqual([product(1)]);
    expect(new URLSearchParams(quoteDue(leftOut)!).get("productIds")).toBe(product(1));
    expect(blocker(run(leftOut, { type: "leaveOutMissing" }, { type: "leaveOutMissing" }))).toBeNull();
    expect(blocker({ ...leftOut, productIds: [] })).toMatchObject({ kind: "no_products" });
  });

  it("gives up waiting for photos that never come, saying why", () => {
    let state = run(quoted([product(1)], quote({ products: [{ id: product(1), photo: false }] })), { type: "importStarted" });
    expect(blocker(state)?.message).toBe("This product has no photo in Atelier yet. Import its images from Shopify first.");
    for (let i = 0; i < MAX_IMPORT_POLLS; i++) {
      state = run(state, { type: "refresh" });
      state = run(state, { type: "quoted", search: quoteDue(state)!, quote: quote({ products: [{ id: product(1), photo: false }] }) });
      expect(state.phase).toBe("importing");
    }
    state = run(state, { type: "refresh" });
    expect(state.phase).toBe("ready");
    expect(state.error?.error).toMatch(/may have no images in Shopify/);
  });

  it("blocks a shoot the balance cannot pay and words the shortfall", () => {
    const ready = quoted([product(1), product(2)], quote({ products: [{ id: product(1) }, { id: product(2) }], balance: 1 }));
    expect(blocker(ready)).toEqual({ kind: "insufficient_credits", message: "This shoot costs 2 credits and your balance is 1." });
    expect(priceView(ready.quote!)).toMatchObject({ total: "2 credits", balance: "Balance after: -1 (now 1)", short: true });
    expect(canSubmit(ready)).toBe(false);
  });

  it("submits once, keeps the client key for a retry after a refusal, and takes a new one after success", () => {
    const ready = quoted([product(1)]);
    const submitting = run(ready, { type: "submit" });
    expect(canSubmit(submitting)).toBe(false);
    const refused = run(submitting, { type: "failed", error: { error: "This shoot costs 2 credits and your balance is 1.", code: "insufficient_credits" } });
    expect(refused).toMatchObject({ phase: "ready", clientKey: "client-key-1", error: { code: "insufficient_credits" } });
    const done = run(refused, { type: "submit" }, { type: "created", created: { batch_id: "b", job_ids: ["j"], cost_credits: 1, remaining_credits: 9, shoot_url: "u", replayed: false }, nextClientKey: "client-key-2" });
    expect(done).toMatchObject({ phase: "created", clientKey: "client-key-2", error: null, created: { batch_id: "b" } });
  });

  it("shows a failed quote as an error and does not ask again for the same choice", () => {
    const start = initialState([product(1)], "client-key-1");
    const failed = run(start, { type: "quoteFailed", search: quoteDue(start)!, error: { error: "nope", code: "internal" } });
    expect(failed.quoteError?.error).toBe("nope");
    expect(quoteDue(failed)).toBeNull();
    expect(canSubmit(failed)).toBe(false);
    expect(quoteDue(run(failed, { type: "refresh" }))).not.toBeNull();
  });
});
