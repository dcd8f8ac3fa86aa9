import { readFileSync } from "node:fs";

/** Topic → path, read from shopify.app.toml so the simulator delivers where Shopify would. */
export function webhookPathsFromToml(file: string): Record<string, string> {
  const text = readFileSync(file, "utf8");
  const paths: Record<string, string> = {};
  for (const block of text.split("[[webhooks.subscriptions]]").slice(1)) {
    const uri = /uri\s*=\s*"([^"]+)"/.exec(block)?.[1];
    const list = /(?:compliance_topics|topics)\s*=\s*\[([^\]]*)\]/g;
    if (!uri) continue;
    for (const m of block.matchAll(list)) {
      for (const topic of m[1]!.matchAll(/"([^"]+)"/g)) paths[topic[1]!] = uri;
    }
  }
  return paths;
}
