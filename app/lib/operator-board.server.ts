import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { HonoAdapter } from "@bull-board/hono";
import { Hono } from "hono";
import { serveStatic, type ServeStaticOptions } from "hono/serve-static";
import { operatorQueues } from "./operator-queues.server";

// bull-board's dashboard as a Hono app answering Fetch requests under /ops/queues; the
// Remix resource route ops.queues.$ authenticates and hands requests to it.

export const BOARD_BASE_PATH = "/ops/queues";

const DESCRIPTIONS: Partial<Record<string, string>> = {
  generate: "Failed photos are retried from /ops (refund and retry), which charges the ledger; a retry here does not run a failed job again.",
};

// Resolved here rather than by bull-board's own eval'd require, which a bundler cannot see.
const uiRoot = path.dirname(createRequire(import.meta.url).resolve("@bull-board/ui/package.json"));
const staticRoot = path.join(uiRoot, "dist", "static");

/** Reads only files inside the UI's static folder, whatever path it is handed. */
async function staticFile(relative: string): Promise<Uint8Array<ArrayBuffer> | null> {
  const file = path.resolve(process.cwd(), relative);
  if (!file.startsWith(staticRoot + path.sep)) return null;
  try {
    const bytes = await readFile(file);
    return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch {
    return null;
  }
}

const nodeServeStatic = (options: ServeStaticOptions) =>
  serveStatic({
    ...options,
    getContent: staticFile,
    onFound: (_path, c) => {
      // File names carry content hashes, but they sit behind an operator's cookie.
      c.header("Cache-Control", "private, max-age=86400");
    },
  });

function build(queues: ReturnType<typeof operatorQueues>): Hono {
  const adapter = new HonoAdapter(nodeServeStatic as ConstructorParameters<typeof HonoAdapter>[0]).setBasePath(BOARD_BASE_PATH);
  createBullBoard({
    queues: [...queues.entries()].map(([name, queue]) => new BullMQAdapter(queue, { description: DESCRIPTIONS[name] })),
    serverAdapter: adapter,
    options: { uiBasePath: uiRoot, uiConfig: { boardTitle: "Atelier queues" } },
  });
  return new Hono({ strict: false }).route(BOARD_BASE_PATH, adapter.registerPlugin());
}

declare global {
  var __atelierOperatorBoard: { queues: ReturnType<typeof operatorQueues>; app: Hono } | undefined;
}

/** The dashboard app, built once per set of queue handles (reopened after a close). */
export function operatorBoard(): Hono {
  const queues = operatorQueues();
  let built = globalThis.__atelierOperatorBoard;
  if (!built || [...queues].some(([name, q]) => built!.queues.get(name) !== q)) {
    built = { queues, app: build(queues) };
    globalThis.__atelierOperatorBoard = built;
  }
  return built.app;
}
