import { waitFor } from "@testing-library/preact";
import { render } from "preact";
import { afterEach } from "vitest";

// What @shopify/ui-extensions-tester does for API 2026-07 and later, for our 2026-01
// extensions (the tester refuses other versions): a `shopify` global and fetch
// mocked, the extension's default export run, its elements queried in the DOM.

type Global = { shopify?: unknown; fetch: typeof fetch };
const global = globalThis as unknown as Global;
const realFetch = global.fetch;

afterEach(() => {
  render(null, document.body);
  document.body.innerHTML = "";
  delete global.shopify;
  global.fetch = realFetch;
});

/** Runs an extension's module as the admin does, with the given API and backend. */
export async function renderExtension<Api>(module: { default: () => Promise<void> }, shopify: Api, fetch: typeof globalThis.fetch): Promise<void> {
  global.shopify = shopify;
  global.fetch = fetch;
  await module.default();
}

export function elements(selector: string): HTMLElement[] {
  return [...document.body.querySelectorAll<HTMLElement>(selector)];
}

export function byText(selector: string, text: string | RegExp): HTMLElement | undefined {
  return elements(selector).find((e) => (typeof text === "string" ? e.textContent?.trim() === text : text.test(e.textContent ?? "")));
}

export async function find(selector: string, text: string | RegExp): Promise<HTMLElement> {
  return waitFor(() => {
    const element = byText(selector, text);
    if (!element) throw new Error(`no ${selector} with ${text}; the page says: ${document.body.textContent}`);
    return element;
  });
}

/** Picks an option of an s-select as the admin reports it: the element's value, then a change event. */
export function choose(label: string, value: string): void {
  const select = elements("s-select").find((s) => s.getAttribute("label") === label);
  if (!select) throw new Error(`no select labelled ${label}`);
  (select as HTMLElement & { value: string }).value = value;
  select.dispatchEvent(new Event("change"));
}

export function click(element: HTMLElement): void {
  element.dispatchEvent(new Event("click"));
}
