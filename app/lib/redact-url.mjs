// Request URLs and library messages in logs. Embedded page loads carry the session
// token (`id_token`), signed storage links a signature, provider webhooks a job token:
// credentials for a while. Logs keep the path and which parameters were sent.
// Plain JavaScript: the production server (scripts/serve.mjs) imports it unbuilt.

import { URLSearchParams } from "node:url";

const SECRET_PARAMS = new Set(["id_token", "sig", "signature", "token", "hmac", "code", "session", "state", "access_token"]);
const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]*/g;

/** @param {string} text */
export function redactTokens(text) {
  return text.replace(JWT, "[jwt]");
}

/** @param {string} url */
export function redactUrl(url) {
  const q = url.indexOf("?");
  if (q < 0) return redactTokens(url);
  const kept = [];
  for (const [key, value] of new URLSearchParams(url.slice(q + 1))) {
    const shown = SECRET_PARAMS.has(key.toLowerCase()) ? "[redacted]" : encodeURIComponent(redactTokens(value));
    kept.push(`${encodeURIComponent(key)}=${shown}`);
  }
  return `${redactTokens(url.slice(0, q))}?${kept.join("&")}`;
}
