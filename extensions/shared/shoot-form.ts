import type { CreateShootRequest, CreateShootResponse, ErrorResponse, QuoteResponse, ShootOptions } from "./contract";

// The admin actions' state as a reducer, so every transition is testable without
// the extension runtime; the component only dispatches, fetches and renders.

/** With a quote every few seconds, about two minutes: products with no images in Shopify never get one. */
export const MAX_IMPORT_POLLS = 40;

export interface ShootFormState {
  productIds: string[];
  /** A saved look, or null for the presets in `options`. */
  lookId: string | null;
  /** Null until the first quote brings the backend's defaults (the presets live there). */
  options: ShootOptions | null;
  /** One per shoot: a double click or a retry after a lost answer makes one shoot. */
  clientKey: string;
  quote: QuoteResponse | null;
  /** The choice `quote` prices (see quoteSearch); when it differs, a quote is due. */
  quotedFor: string | null;
  quoteError: ErrorResponse | null;
  phase: "ready" | "submitting" | "importing" | "created";
  /** Quotes asked since the import started; the import is given up on after MAX_IMPORT_POLLS. */
  importPolls: number;
  /** Why the last shoot or import was refused. */
  error: ErrorResponse | null;
  created: CreateShootResponse | null;
}

export type ShootFormEvent =
  | { type: "quoted"; search: string; quote: QuoteResponse }
  | { type: "quoteFailed"; search: string; error: ErrorResponse }
  | { type: "chooseLook"; lookId: string | null }
  | { type: "setOption"; key: Exclude<keyof ShootOptions, "prompt">; value: string }
  | { type: "leaveOutMissing" }
  | { type: "submit" }
  | { type: "created"; created: CreateShootResponse; nextClientKey: string }
  | { type: "importStarted" }
  | { type: "refresh" }
  | { type: "failed"; error: ErrorResponse };

export function initialState(productIds: string[], clientKey: string): ShootFormState {
  return {
    productIds: [...new Set(productIds)],
    lookId: null,
    options: null,
    clientKey,
    quote: null,
    quotedFor: null,
    quoteError: null,
    phase: "ready",
    importPolls: 0,
    error: null,
    created: null,
  };
}

/** The quote's query string for the current choice: it changes exactly when the price may. */
export function quoteSearch(state: Pick<ShootFormState, "productIds" | "lookId" | "options">): string {
  const params = new URLSearchParams();
  if (state.lookId) params.set("lookId", state.lookId);
  else if (state.options) {
    const { prompt: _prompt, variations: _variations, ...presets } = state.options;
    for (const [key, value] of Object.entries(presets)) params.set(key, String(value));
  }
  if (state.options) params.set("variations", String(state.options.variations));
  // 250 ids must fit in a request line: ":" "/" and "," may stay unescaped in a query.
  const ids = state.productIds.map((id) => encodeURIComponent(id).replace(/%3A/gi, ":").replace(/%2F/gi, "/")).join(",");
  const rest = params.toString();
  return `productIds=${ids}${rest ? `&${rest}` : ""}`;
}

/** The search to fetch a quote for, or null when the shown quote is current. */
export function quoteDue(state: ShootFormState): string | null {
  if (state.productIds.length === 0) return null;
  const search = quoteSearch(state);
  return search === state.quotedFor ? null : search;
}

export function reduce(state: ShootFormState, event: ShootFormEvent): ShootFormState {
  switch (event.type) {
    case "quoted": {
      // An answer for a choice the merchant has since changed is dropped.
      if (event.search !== quoteSearch(state)) return state;
      const options = state.options ?? event.quote.selection.options;
      // Importing goes on until every product has a photo; each new quote tells.
      const importing = state.phase === "importing" && event.quote.missing_product_ids.length > 0;
      const next = { ...state, quote: event.quote, options, quoteError: null, phase: importing ? ("importing" as const) : state.phase === "importing" ? ("ready" as const) : state.phase };
      // The first quote's defaults become explicit presets: the same price, no second fetch.
      return { ...next, quotedFor: quoteSearch(next) };
    }
    case "quoteFailed":
      if (event.search !== quoteSearch(state)) return state;
      return { ...state, quotedFor: event.search, quoteError: event.error, phase: state.phase === "importing" ? "ready" : state.phase };
    case "chooseLook": {
      const look = state.quote?.looks.find((l) => l.id === event.lookId);
      if (!look) return { ...state, lookId: null, error: null };
      return { ...state, lookId: look.id, options: look.options, error: null };
    }
    case "setOption": {
      if (!state.options) return state;
      const value = event.key === "variations" ? Number(event.value) : event.value;
      // Changing a preset leaves the look; photos per product applies to either.
      const lookId = event.key === "variations" ? state.lookId : null;
      return { ...state, lookId, options: { ...state.options, [event.key]: value }, error: null };
    }
    case "leaveOutMissing": {
      const missing = new Set(missingIds(state));
      return { ...state, productIds: state.productIds.filter((id) => !missing.has(id)), error: null };
    }
    case "submit":
      return { ...state, phase: "submitting", error: null };
    case "created":
      return { ...state, phase: "created", created: event.created, clientKey: event.nextClientKey, error: null };
    case "importStarted":
      return { ...state, phase: "importing", importPolls: 0, error: null };
    case "refresh":
      if (state.phase === "importing" && state.importPolls >= MAX_IMPORT_POLLS) {
        const error = "Some products still have no photo in Atelier. They may have no images in Shopify; leave them out or add images first.";
        return { ...state, phase: "ready", error: { error, code: "missing_photos" } };
      }
      return { ...state, quotedFor: null, importPolls: state.phase === "importing" ? state.importPolls + 1 : state.importPolls };
    case "failed":
      return { ...state, phase: "ready", error: event.error };
  }
}

export function shootRequest(state: ShootFormState & { options: ShootOptions }): CreateShootRequest {
  const base = { clientKey: state.clientKey, productIds: state.productIds, variations: state.options.variations };
  return state.lookId ? { ...base, lookId: state.lookId } : { ...base, options: state.options };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The price as the app's shoot page words it. */
export function priceView(quote: QuoteResponse) {
  const { images, per_image, total } = quote.price;
  return {
    total: plural(total, "credit"),
    breakdown: `${plural(images, "photo")} × ${plural(per_image, "credit")}`,
    balance: `Balance after: ${quote.balance_after} (now ${quote.balance})`,
    short: !quote.affordable,
  };
}

export type Blocker = { kind: "no_products" | "missing_photos" | "insufficient_credits"; message: string };

/** The chosen products the quote found without a photo (a product left out no longer counts). */
export function missingIds(state: ShootFormState): string[] {
  const chosen = new Set(state.productIds);
  return (state.quote?.missing_product_ids ?? []).filter((id) => chosen.has(id));
}

/** Why the shoot cannot start, most actionable first; null when it can. */
export function blocker(state: ShootFormState): Blocker | null {
  if (state.productIds.length === 0) return { kind: "no_products", message: "No products are left to shoot." };
  const quote = state.quote;
  if (!quote) return null;
  const missing = missingIds(state).length;
  if (missing > 0) {
    const subject = state.productIds.length === 1 ? "This product has" : `${plural(missing, "product")} ${missing === 1 ? "has" : "have"}`;
    return { kind: "missing_photos", message: `${subject} no photo in Atelier yet. Import ${state.productIds.length === 1 ? "its" : "their"} images from Shopify first.` };
  }
  if (!quote.affordable) return { kind: "insufficient_credits", message: `This shoot costs ${plural(quote.price.total, "credit")} and your balance is ${quote.balance}.` };
  return null;
}

export function canSubmit(state: ShootFormState): state is ShootFormState & { options: ShootOptions; quote: QuoteResponse } {
  return state.phase === "ready" && state.quote !== null && state.options !== null && state.quoteError === null && quoteDue(state) === null && blocker(state) === null;
}
