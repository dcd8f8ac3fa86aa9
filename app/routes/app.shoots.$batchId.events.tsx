import type { LoaderFunctionArgs } from "@remix-run/node";
import prisma from "~/db.server";
import { subscribeToShoot } from "~/lib/job-notifications.server";
import { requireShop } from "~/lib/shop-context.server";

// GET: server-sent events for one shoot ("update" whenever its jobs change status).
// Read with fetch, so App Bridge's session token authenticates it like any request.
export const loader = async ({ request, params }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const batch = /^[0-9a-f-]{36}$/.test(params.batchId ?? "")
    ? await prisma.generationBatch.findFirst({ where: { id: params.batchId, shopId: shop.id }, select: { id: true } })
    : null;
  if (!batch) return new Response("Not found", { status: 404 });
  const encoder = new TextEncoder();
  let cleanup = () => undefined as void;
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      const unsubscribe = await subscribeToShoot(shop.id, batch.id, () => send("event: update\ndata: {}\n\n"));
      const heartbeat = setInterval(() => send(": keep-alive\n\n"), 15_000);
      // Pages reconnect; a bounded stream keeps idle connections from piling up.
      const limit = setTimeout(() => cleanup(), 10 * 60_000);
      cleanup = () => {
        unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(limit);
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      request.signal.addEventListener("abort", () => cleanup());
      send("event: ready\ndata: {}\n\n");
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache, no-transform", Connection: "keep-alive" },
  });
};
