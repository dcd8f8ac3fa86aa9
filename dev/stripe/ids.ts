import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function randomToken(length: number): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length];
  return out;
}

// Test-mode ids carry Stripe's prefixes; Checkout Session ids are long in Stripe
// too, which matters to the columns that store them.
export const PREFIXES = {
  customer: "cus_",
  "checkout.session": "cs_test_",
  payment_intent: "pi_",
  charge: "ch_",
  refund: "re_",
  dispute: "dp_",
  event: "evt_",
  item: "li_",
  price: "price_",
  product: "prod_",
  payment_method: "pm_",
  request: "req_",
} as const;
export type IdKind = keyof typeof PREFIXES;

export function newId(kind: IdKind): string {
  return PREFIXES[kind] + randomToken(kind === "checkout.session" ? 58 : kind === "request" ? 14 : 24);
}
