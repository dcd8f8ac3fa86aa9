import { invalidRequest } from "./errors";

// Stripe's v1 API takes application/x-www-form-urlencoded bodies (and GET query
// strings) with bracket notation: `metadata[shop]=x`, `line_items[0][quantity]=1`,
// `expand[]=line_items`. This turns them into a tree; which nodes are arrays is
// decided later by the endpoint's parameter spec, since `[0]` is just a key here.

export type FormValue = string | FormTree | FormValue[];
export interface FormTree {
  [key: string]: FormValue;
}

const KEY = /^([^[\]]+)((?:\[[^[\]]*\])*)$/;

function isTree(value: FormValue | undefined): value is FormTree {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pathName(segments: string[]): string {
  return segments[0] + segments.slice(1).map((s) => `[${s}]`).join("");
}

function insert(root: FormTree, segments: string[], value: string): void {
  let node: FormTree = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const segment = segments[i]!;
    const next = segments[i + 1]!;
    const child = node[segment];
    if (next === "") {
      if (child === undefined) node[segment] = [];
      else if (!Array.isArray(child)) throw invalidRequest("Invalid array", pathName(segments.slice(0, i + 1)));
      if (i + 1 !== segments.length - 1) throw invalidRequest("Invalid array", pathName(segments.slice(0, i + 1)));
      (node[segment] as FormValue[]).push(value);
      return;
    }
    if (child === undefined) node[segment] = {};
    else if (!isTree(child)) throw invalidRequest(Array.isArray(child) ? "Invalid array" : "Invalid hash", pathName(segments.slice(0, i + 1)));
    node = node[segment] as FormTree;
  }
  const last = segments[segments.length - 1]!;
  const existing = node[last];
  if (existing !== undefined && typeof existing !== "string") {
    throw invalidRequest(Array.isArray(existing) ? "Invalid array" : "Invalid hash", pathName(segments));
  }
  // A repeated plain key keeps its last value, as Stripe's form decoding does.
  node[last] = value;
}

export function parseForm(raw: string): FormTree {
  const root: FormTree = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const match = KEY.exec(key);
    if (!match) throw invalidRequest(`Invalid parameter name: ${key}`, key);
    const segments = [match[1]!, ...[...match[2]!.matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
    insert(root, segments, value);
  }
  return root;
}
