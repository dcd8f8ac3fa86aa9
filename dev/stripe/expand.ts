import { lineItemsList } from "./checkout";
import { invalidRequest } from "./errors";
import type { StandInRuntime } from "./runtime";

// `expand[]=line_items`, `expand[]=payment_intent.latest_charge`, `data.customer` on
// lists: ids replaced by the objects they name, only where Stripe allows it.

const EXPANDABLE: Record<string, readonly string[]> = {
  "checkout.session": ["customer", "payment_intent", "line_items"],
  payment_intent: ["customer", "latest_charge"],
  charge: ["customer", "payment_intent"],
  refund: ["charge", "payment_intent"],
  dispute: ["charge", "payment_intent"],
  item: ["price"],
  price: ["product"],
};
const MAX_DEPTH = 4;

type Node = Record<string, unknown>;

const cannotExpand = (field: string) => invalidRequest(`This property cannot be expanded (${field}).`, "expand");

function expandPath(runtime: StandInRuntime, node: Node, segments: string[]): void {
  const [field, ...rest] = segments as [string, ...string[]];
  if (node.object === "list" || node.object === "search_result") {
    if (field !== "data" || rest.length === 0) throw cannotExpand(field);
    for (const item of node.data as Node[]) expandPath(runtime, item, rest);
    return;
  }
  if (!EXPANDABLE[String(node.object)]?.includes(field)) throw cannotExpand(field);
  let value = node[field];
  if (field === "line_items" && node.object === "checkout.session" && value === undefined) {
    value = lineItemsList(runtime, String(node.id));
  } else if (typeof value === "string") {
    const found = runtime.state.objects.get(value);
    value = found ? structuredClone(found) : value;
  }
  node[field] = value;
  if (rest.length > 0 && value !== null && typeof value === "object") expandPath(runtime, value as Node, rest);
}

/** Returns a copy of `object` with the requested paths expanded. */
export function expand<T>(runtime: StandInRuntime, object: T, paths: readonly string[] = []): T {
  const copy = structuredClone(object);
  for (const path of paths) {
    const segments = path.split(".");
    if (segments.length > MAX_DEPTH) throw invalidRequest(`You cannot expand more than ${MAX_DEPTH} levels of a property (${path}).`, "expand");
    expandPath(runtime, copy as Node, segments);
  }
  return copy;
}
