import { invalidRequest } from "./errors";
import type { Customer } from "./objects";

// Stripe's search query language, as far as customers need it: clauses such as
// `email:'a@b.c'`, `metadata['shop']:'x.myshopify.com'`, `name~'jan'`, `created>1700000000`,
// `-field:value` to negate, joined by AND or by OR (Stripe refuses to mix them).

type Operator = ":" | "~" | ">" | "<" | ">=" | "<=";
interface Clause {
  negate: boolean;
  field: string;
  metadataKey?: string;
  op: Operator;
  value: string | number | null;
}

const FIELDS = new Set(["email", "name", "phone", "created", "metadata"]);
const MAX_CLAUSES = 10;

class Scanner {
  pos = 0;
  constructor(readonly text: string) {}
  fail(message: string): never {
    throw invalidRequest(`Invalid search query: ${message} at position ${this.pos} in ${JSON.stringify(this.text)}.`, "query");
  }
  skipSpace() {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }
  done() {
    return this.pos >= this.text.length;
  }
  quoted(): string {
    const quote = this.text[this.pos];
    if (quote !== "'" && quote !== '"') this.fail("expected a quoted string");
    this.pos++;
    let out = "";
    while (!this.done() && this.text[this.pos] !== quote) {
      if (this.text[this.pos] === "\\" && this.pos + 1 < this.text.length) this.pos++;
      out += this.text[this.pos++];
    }
    if (this.done()) this.fail("unterminated string");
    this.pos++;
    return out;
  }
  word(): string {
    const match = /^[A-Za-z0-9_.+-]+/.exec(this.text.slice(this.pos));
    if (!match) this.fail("expected a value");
    this.pos += match[0].length;
    return match[0];
  }
  clause(): Clause {
    const negate = this.text[this.pos] === "-";
    if (negate) this.pos++;
    const field = /^[a-z_]+/.exec(this.text.slice(this.pos))?.[0];
    if (!field) this.fail("expected a field name");
    this.pos += field.length;
    if (!FIELDS.has(field)) this.fail(`'${field}' is not a searchable customer field`);
    let metadataKey: string | undefined;
    if (field === "metadata") {
      if (this.text[this.pos] !== "[") this.fail("expected metadata['key']");
      this.pos++;
      metadataKey = this.quoted();
      if (this.text[this.pos] !== "]") this.fail("expected ]");
      this.pos++;
    }
    const op = /^(>=|<=|:|~|>|<)/.exec(this.text.slice(this.pos))?.[0] as Operator | undefined;
    if (!op) this.fail("expected :, ~, >, <, >= or <=");
    this.pos += op.length;
    const raw = this.text[this.pos] === "'" || this.text[this.pos] === '"' ? this.quoted() : this.word();
    const numeric = field === "created";
    if (numeric && !/^\d+$/.test(raw)) this.fail("created takes a unix timestamp");
    if (!numeric && op !== ":" && op !== "~") this.fail(`${op} applies to numeric fields only`);
    if (op === "~" && raw.length < 3) this.fail("substring matches need at least 3 characters");
    return { negate, field, metadataKey, op, value: numeric ? Number(raw) : raw === "null" ? null : raw };
  }
}

export interface CustomerQuery {
  clauses: Clause[];
  join: "AND" | "OR";
}

export function parseCustomerQuery(query: string): CustomerQuery {
  const scanner: Scanner = new Scanner(query);
  const clauses: Clause[] = [];
  const joins = new Set<string>();
  scanner.skipSpace();
  if (scanner.done()) scanner.fail("empty query");
  for (;;) {
    clauses.push(scanner.clause());
    scanner.skipSpace();
    if (scanner.done()) break;
    const join = /^(AND|OR)\s/.exec(scanner.text.slice(scanner.pos))?.[1];
    if (!join) scanner.fail("expected AND or OR");
    joins.add(join);
    scanner.pos += join.length;
    scanner.skipSpace();
  }
  if (joins.size > 1) scanner.fail("AND and OR cannot be combined in one query");
  if (clauses.length > MAX_CLAUSES) scanner.fail(`at most ${MAX_CLAUSES} clauses are allowed`);
  return { clauses, join: joins.has("OR") ? "OR" : "AND" };
}

function fieldValue(customer: Customer, clause: Clause): string | number | null {
  if (clause.field === "metadata") return customer.metadata[clause.metadataKey!] ?? null;
  return (customer[clause.field] as string | number | null | undefined) ?? null;
}

function matchesClause(customer: Customer, clause: Clause): boolean {
  const actual = fieldValue(customer, clause);
  let hit: boolean;
  if (clause.value === null) hit = actual === null;
  else if (typeof clause.value === "number") {
    const n = Number(actual);
    hit = { ":": n === clause.value, ">": n > clause.value, "<": n < clause.value, ">=": n >= clause.value, "<=": n <= clause.value, "~": false }[clause.op];
  } else if (actual === null) hit = false;
  else {
    // Stripe's string matches ignore case.
    const a = String(actual).toLowerCase();
    const v = clause.value.toLowerCase();
    hit = clause.op === "~" ? a.includes(v) : a === v;
  }
  return clause.negate ? !hit : hit;
}

export function matchesCustomer(customer: Customer, query: CustomerQuery): boolean {
  return query.join === "AND" ? query.clauses.every((c) => matchesClause(customer, c)) : query.clauses.some((c) => matchesClause(customer, c));
}
