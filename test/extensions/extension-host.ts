import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { build, type Rollup } from "vite";
import { afterAll } from "vitest";

// A stand-in for Shopify's extension host (extensions.shopifycdn.com): serves an
// extension, bundled from its entry as the CLI bundles it, in a page of its own
// origin, with the `shopify` global the admin gives that target. The simulated
// admin (dev/shopify) has no such host yet.

const root = path.resolve(import.meta.dirname, "../..");

/** The extension's entry as one ES module, the way `shopify app build` ships it. */
export async function bundleExtension(dir: string): Promise<string> {
  const output = (await build({
    configFile: false,
    logLevel: "silent",
    root,
    esbuild: { jsx: "automatic", jsxImportSource: "preact" },
    define: { "process.env.NODE_ENV": JSON.stringify("production") },
    build: { write: false, minify: false, lib: { entry: path.join(root, dir, "src/index.tsx"), formats: ["es"], fileName: "extension" } },
  })) as Rollup.RollupOutput[] | Rollup.RollupOutput;
  const chunks = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output);
  const entry = chunks.find((c) => c.type === "chunk" && c.isEntry);
  if (!entry || entry.type !== "chunk") throw new Error(`no bundle for ${dir}`);
  return entry.code;
}

// Polaris web components are defined only inside Shopify's host; this lays their
// elements out one under another so screenshots of a step can be read.
const SCREENSHOT_STYLE = `
  s-admin-action, s-admin-block, s-stack, s-grid, s-banner, s-paragraph, s-text, s-link, s-select, s-button, s-badge { display: block; margin: 4px 0; }
  s-admin-action::before, s-admin-block::before, s-banner::before, s-select::before { content: attr(heading) attr(label); display: block; font-weight: bold; }
  s-button, s-link { color: #0645ad; text-decoration: underline; cursor: pointer; }
  s-button[disabled] { color: #999; text-decoration: none; }
  s-option { display: none; }`;

export interface HostedExtension {
  target: string;
  code: string;
}

/**
 * Serves `/{name}?products=gid,gid` for each extension. The page's `shopify` global
 * asks the Playwright binding `atelierIdToken` for ID tokens, and fetch resolves
 * relative URLs against the app URL, as the admin does for an extension.
 */
export async function startExtensionHost(appUrl: string, extensions: Record<string, HostedExtension>): Promise<{ url: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://host");
    const [name, kind] = url.pathname.slice(1).split(".");
    const extension = extensions[name ?? ""];
    if (!extension) return res.writeHead(404).end();
    if (kind === "js") return res.writeHead(200, { "Content-Type": "text/javascript" }).end(extension.code);
    const selected = (url.searchParams.get("products") ?? "").split(",").filter(Boolean).map((id) => ({ id }));
    res.writeHead(200, { "Content-Type": "text/html" }).end(`<!doctype html>
<html><head><meta charset="utf-8"><title>${name}</title><style>${SCREENSHOT_STYLE}</style></head><body><script type="module">
  const appUrl = ${JSON.stringify(appUrl)};
  const platformFetch = globalThis.fetch.bind(globalThis);
  globalThis.fetch = (input, init) => platformFetch(typeof input === "string" && input.startsWith("/") ? appUrl + input : input, init);
  globalThis.shopify = {
    extension: { target: ${JSON.stringify(extension.target)} },
    data: { selected: ${JSON.stringify(selected)} },
    auth: { idToken: () => window.atelierIdToken() },
    close: () => { document.body.dataset.closed = "true"; },
    navigation: { navigate: () => undefined },
  };
  const { default: run } = await import("/${name}.js");
  await run();
</script></body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
