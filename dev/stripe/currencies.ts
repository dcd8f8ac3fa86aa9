// The currencies the stand-in accepts, and how many minor units each has (Stripe's
// amounts are integers in the smallest unit: cents, or yen for zero-decimal ones).

const ZERO_DECIMAL = new Set(["bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf"]);
const THREE_DECIMAL = new Set(["bhd", "jod", "kwd", "omr", "tnd"]);

export const CURRENCIES = new Set([
  ...ZERO_DECIMAL,
  ...THREE_DECIMAL,
  ..."aed aud bgn brl cad chf cny czk dkk egp eur gbp hkd huf idr ils inr isk mad mxn myr nok nzd php pln ron rsd sar sek sgd thb try twd uah usd zar".split(" "),
]);

export function minorUnits(currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return 0;
  if (THREE_DECIMAL.has(currency)) return 3;
  return 2;
}

// Stripe's minimum charge amounts for the common settlement currencies; the rest
// use 50 minor units, which is close enough for a stand-in.
const MINIMUM: Record<string, number> = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50, chf: 50, jpy: 50, nzd: 50, sek: 300, nok: 300, dkk: 250 };

export function minimumAmount(currency: string): number {
  return MINIMUM[currency] ?? 50;
}

/** "$19.00" style, for error messages and the hosted page. */
export function formatAmount(amount: number, currency: string): string {
  const digits = minorUnits(currency);
  const value = amount / 10 ** digits;
  return new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase(), minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}
