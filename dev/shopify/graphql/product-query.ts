import type { ProductRecord } from "../state";

// The subset of Shopify's search syntax the app uses on products: bare words match the
// title, `field:value` for title, status, product_type, vendor, tag, updated_at and
// created_at (with <, <=, >, >= on dates), `*` suffix wildcards, quotes, `-`/NOT
// negation, and OR between terms (AND binds tighter, and is implicit). The parser is
// shared with other searchable resources (collections) through searchFilter.

export interface Term {
  negate: boolean;
  field: string | null;
  op: "=" | "<" | "<=" | ">" | ">=";
  value: string;
}

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  const re = /\s*(-?(?:[a-z_]+:)?(?:"[^"]*"|'[^']*'|[^\s()]+)|\(|\))/gi;
  for (const m of query.matchAll(re)) tokens.push(m[1]!);
  return tokens;
}

function parseTerm(token: string, negate: boolean): Term {
  let t = token;
  if (t.startsWith("-")) {
    negate = !negate;
    t = t.slice(1);
  }
  const m = /^([a-z_]+):(.*)$/i.exec(t);
  let field: string | null = null;
  let rest = t;
  if (m) {
    field = m[1]!.toLowerCase();
    rest = m[2]!;
  }
  let op: Term["op"] = "=";
  const opMatch = /^(<=|>=|<|>)(.*)$/.exec(rest);
  if (opMatch) {
    op = opMatch[1] as Term["op"];
    rest = opMatch[2]!;
  }
  const value = rest.replace(/^["'](.*)["']$/, "$1");
  return { negate, field, op, value };
}

export function textMatch(haystack: string, pattern: string): boolean {
  const h = haystack.toLowerCase();
  const p = pattern.toLowerCase();
  if (p.endsWith("*")) return h.split(/\s+/).some((w) => w.startsWith(p.slice(0, -1))) || h.startsWith(p.slice(0, -1));
  return h === p || h.split(/[^a-z0-9]+/).includes(p);
}

export function dateMatch(date: Date, op: Term["op"], value: string): boolean {
  const target = new Date(value.replace(/^'|'$/g, ""));
  if (Number.isNaN(target.getTime())) return false;
  const a = date.getTime();
  const b = target.getTime();
  switch (op) {
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    default:
      return a === b;
  }
}

/** Whether a product matches a term, before the term's negation. */
function matches(p: ProductRecord, term: Term): boolean {
  let ok: boolean;
  switch (term.field) {
    case null:
    case "title":
      ok = term.field === null ? p.title.toLowerCase().includes(term.value.toLowerCase().replace(/\*$/, "")) : textMatch(p.title, term.value);
      break;
    case "status":
      ok = term.value.split(",").some((s) => s.trim().toUpperCase() === p.status);
      break;
    case "product_type":
      ok = textMatch(p.productType, term.value) || p.productType.toLowerCase() === term.value.toLowerCase();
      break;
    case "vendor":
      ok = p.vendor.toLowerCase() === term.value.toLowerCase() || textMatch(p.vendor, term.value);
      break;
    case "tag":
      ok = p.tags.some((t) => t.toLowerCase() === term.value.toLowerCase());
      break;
    case "updated_at":
      ok = dateMatch(p.updatedAt, term.op, term.value);
      break;
    case "created_at":
      ok = dateMatch(p.createdAt, term.op, term.value);
      break;
    case "id":
      ok = String(p.id) === term.value;
      break;
    default:
      // Shopify ignores unknown fields rather than failing the query.
      ok = true;
  }
  return ok;
}

/** Returns a predicate; an empty query matches everything. */
export function productFilter(query: string | null | undefined): (p: ProductRecord) => boolean {
  return searchFilter(query, matches);
}

/**
 * A predicate for Shopify's search syntax over any resource: `match` decides one term
 * (negation is applied here). An empty query matches everything.
 */
export function searchFilter<T>(query: string | null | undefined, match: (item: T, term: Term) => boolean): (item: T) => boolean {
  if (!query || !query.trim()) return () => true;
  const groups: Term[][] = [[]];
  let negateNext = false;
  for (const token of tokenize(query)) {
    if (token === "(" || token === ")" || token.toUpperCase() === "AND") continue;
    if (token.toUpperCase() === "OR") {
      groups.push([]);
      continue;
    }
    if (token.toUpperCase() === "NOT") {
      negateNext = true;
      continue;
    }
    groups.at(-1)!.push(parseTerm(token, negateNext));
    negateNext = false;
  }
  return (item) => groups.some((g) => g.length > 0 && g.every((t) => match(item, t) !== t.negate));
}
