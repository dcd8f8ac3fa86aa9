import { CURRENCIES } from "./currencies";
import { invalidRequest, missingParameter, unknownParameter } from "./errors";
import type { FormTree, FormValue } from "./form";

// Each endpoint declares its parameters; values are checked and coerced the way
// Stripe does, with Stripe's messages, so the app meets the same refusals here as
// in production. Parameters Stripe has but the stand-in does not model are refused
// explicitly rather than ignored, so nothing the app sends is silently dropped.

export type Spec =
  | { type: "string"; required?: boolean; max?: number; enum?: readonly string[]; format?: "url" | "email" | "currency" | "id" }
  | { type: "integer"; required?: boolean; min?: number; max?: number }
  | { type: "boolean"; required?: boolean }
  | { type: "metadata"; required?: boolean }
  | { type: "hash"; required?: boolean; fields: Fields }
  | { type: "array"; required?: boolean; of: Spec; max?: number }
  | { type: "unsupported" };
export type Fields = Record<string, Spec>;

export type Params = Record<string, unknown>;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function describe(value: FormValue): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

function emptyValue(param: string) {
  return invalidRequest(
    `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`,
    param,
    "parameter_invalid_empty",
  );
}

function oneOf(values: readonly string[]): string {
  return values.length < 3 ? values.join(" or ") : `${values.slice(0, -1).join(", ")}, or ${values[values.length - 1]}`;
}

function asArray(value: FormValue, param: string): FormValue[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "object" && Object.keys(value).every((k) => /^\d+$/.test(k))) {
    return Object.keys(value)
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => value[String(k)]!);
  }
  throw invalidRequest("Invalid array", param);
}

/** Metadata as sent: null for `metadata=` (clear all), "" values for keys being unset. */
function metadata(value: FormValue, param: string): Record<string, string> | null {
  if (value === "") return null;
  if (typeof value !== "object" || Array.isArray(value)) throw invalidRequest("Invalid hash", param);
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== "string") throw invalidRequest(`Invalid value for metadata key ${key}: metadata values must be strings`, `${param}[${key}]`);
    if (key.length > 40) throw invalidRequest("Invalid metadata: keys can be a maximum of 40 characters.", `${param}[${key}]`);
    if (v.length > 500) throw invalidRequest("Invalid metadata: values can be a maximum of 500 characters.", `${param}[${key}]`);
    out[key] = v;
  }
  if (Object.keys(out).length > 50) throw invalidRequest("Invalid metadata: metadata can have at most 50 keys.", param);
  return out;
}

/** Applies sent metadata to what an object has: empty values unset keys, null clears all. */
export function applyMetadata(current: Record<string, string>, sent: Record<string, string> | null | undefined): Record<string, string> {
  if (sent === undefined) return current;
  if (sent === null) return {};
  const out = { ...current };
  for (const [key, value] of Object.entries(sent)) {
    if (value === "") delete out[key];
    else out[key] = value;
  }
  return out;
}

function scalar(spec: Spec & { type: "string" | "integer" | "boolean" }, value: string, param: string): unknown {
  if (spec.type === "integer") {
    if (!/^-?\d+$/.test(value)) throw invalidRequest(`Invalid integer: ${value}`, param, "parameter_invalid_integer");
    const n = Number(value);
    if (!Number.isSafeInteger(n)) throw invalidRequest(`Invalid integer: ${value}`, param, "parameter_invalid_integer");
    if (spec.min !== undefined && n < spec.min) throw invalidRequest(`This value must be greater than or equal to ${spec.min}.`, param);
    if (spec.max !== undefined && n > spec.max) throw invalidRequest(`This value must be less than or equal to ${spec.max}.`, param);
    return n;
  }
  if (spec.type === "boolean") {
    if (value !== "true" && value !== "false") throw invalidRequest(`Invalid boolean: ${value}`, param);
    return value === "true";
  }
  if (spec.max !== undefined && value.length > spec.max) {
    throw invalidRequest(`Invalid string: ${value.slice(0, 20)}...; must be at most ${spec.max} characters`, param);
  }
  if (spec.enum && !spec.enum.includes(value)) throw invalidRequest(`Invalid ${param}: must be one of ${oneOf(spec.enum)}`, param);
  switch (spec.format) {
    case "url": {
      let url: URL | null = null;
      try {
        url = new URL(value);
      } catch {
        url = null;
      }
      if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw invalidRequest("Not a valid URL", param, "url_invalid");
      return value;
    }
    case "email":
      if (!EMAIL.test(value)) throw invalidRequest(`Invalid email address: ${value}`, param, "email_invalid");
      return value;
    case "currency": {
      const currency = value.toLowerCase();
      if (!CURRENCIES.has(currency)) throw invalidRequest(`Invalid currency: ${value}. Stripe currently supports these currencies: ${[...CURRENCIES].join(", ")}`, param);
      return currency;
    }
    case "id":
      if (!/^[A-Za-z0-9_]+$/.test(value)) throw invalidRequest(`Invalid ${param}: ${value}`, param);
      return value;
    default:
      return value;
  }
}

function coerce(spec: Spec, value: FormValue, param: string): unknown {
  switch (spec.type) {
    case "unsupported":
      throw invalidRequest(
        `The parameter ${param} is valid for Stripe but the stand-in in dev/stripe does not model it; add it there before the app relies on it.`,
        param,
      );
    case "metadata":
      return metadata(value, param);
    case "hash":
      if (typeof value !== "object" || Array.isArray(value)) throw invalidRequest("Invalid hash", param);
      return validate(spec.fields, value, `${param}[`, "]");
    case "array": {
      const items = asArray(value, param);
      if (spec.max !== undefined && items.length > spec.max) throw invalidRequest(`Invalid array: must contain at most ${spec.max} items`, param);
      return items.map((item, i) => {
        const itemParam = `${param}[${i}]`;
        if (item === "") throw emptyValue(itemParam);
        return coerce(spec.of, item, itemParam);
      });
    }
    default:
      if (typeof value !== "string") throw invalidRequest(`Invalid ${spec.type === "string" ? "string" : spec.type}: ${describe(value)}`, param);
      return scalar(spec, value, param);
  }
}

/**
 * Checks `input` against `fields`: unknown names first (as Stripe reports them), then
 * each value, then what is required. An empty string means "unset" and is dropped.
 */
export function validate(fields: Fields, input: FormTree, prefix = "", suffix = ""): Params {
  const name = (key: string) => `${prefix}${key}${suffix}`;
  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(fields, key)) throw unknownParameter(name(key));
  }
  const out: Params = {};
  for (const [key, spec] of Object.entries(fields)) {
    const value = input[key];
    const required = spec.type !== "unsupported" && spec.required;
    if (value === undefined || (value === "" && spec.type !== "metadata")) {
      if (required) throw value === "" ? emptyValue(name(key)) : missingParameter(name(key));
      continue;
    }
    out[key] = coerce(spec, value, name(key));
  }
  return out;
}

export const EXPAND: Spec = { type: "array", of: { type: "string", max: 500 }, max: 20 };
