import pg from "pg";
import { appEnv } from "~/env.server";
import { logger } from "~/logger.server";

type Listener = () => void;

declare global {
  var __atelierJobHub: { client: pg.Client | null; listeners: Map<string, Set<Listener>>; connecting: Promise<void> | null } | undefined;
}

// One LISTEN connection per app process, fanned out to every open shoot page.
function hub() {
  globalThis.__atelierJobHub ??= { client: null, listeners: new Map(), connecting: null };
  return globalThis.__atelierJobHub;
}

async function ensureListening(): Promise<void> {
  const h = hub();
  if (h.client) return;
  h.connecting ??= (async () => {
    const client = new pg.Client({ connectionString: appEnv().DATABASE_URL });
    client.on("notification", (message) => {
      try {
        const { shop_id: shopId, batch_id: batchId } = JSON.parse(message.payload ?? "{}") as { shop_id?: string; batch_id?: string };
        for (const listener of h.listeners.get(`${shopId}:${batchId}`) ?? []) listener();
      } catch {
        // A malformed payload is not ours to act on.
      }
    });
    client.on("error", (error) => {
      logger.warn({ err: error.message }, "job notifications connection lost; pages fall back to polling");
      h.client = null;
    });
    await client.connect();
    await client.query("listen atelier_jobs");
    h.client = client;
  })().finally(() => {
    h.connecting = null;
  });
  await h.connecting;
}

/** Calls `listener` whenever a job of the shoot changes status; returns the unsubscribe. */
export async function subscribeToShoot(shopId: string, batchId: string, listener: Listener): Promise<() => void> {
  await ensureListening();
  const key = `${shopId}:${batchId}`;
  const h = hub();
  const set = h.listeners.get(key) ?? new Set();
  set.add(listener);
  h.listeners.set(key, set);
  return () => {
    set.delete(listener);
    if (set.size === 0) h.listeners.delete(key);
  };
}
