import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef } from "react";

function useRevalidate() {
  const revalidator = useRevalidator();
  const revalidate = useRef(revalidator.revalidate);
  revalidate.current = revalidator.revalidate;
  const idle = useRef(true);
  idle.current = revalidator.state === "idle";
  return { revalidate, idle };
}

/** Server-sent events while a shoot runs; a slow poll covers a dropped stream. */
export function useShootEvents(shootId: string, active: boolean) {
  const { revalidate } = useRevalidate();
  useEffect(() => {
    if (!active) return;
    const abort = new AbortController();
    let live = false;
    (async () => {
      const response = await fetch(`/app/shoots/${shootId}/events`, { signal: abort.signal });
      if (!response.ok || !response.body) return;
      live = true;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (value.includes("event: update")) revalidate.current();
      }
    })()
      .catch(() => undefined)
      .finally(() => {
        live = false;
      });
    const poll = setInterval(() => !live && revalidate.current(), 3000);
    return () => {
      abort.abort();
      clearInterval(poll);
    };
  }, [active, shootId, revalidate]);
}

/** Publishing has no event stream: poll while photos are on their way to or off Shopify. */
export function usePolling(enabled: boolean, ms = 2000) {
  const { revalidate, idle } = useRevalidate();
  useEffect(() => {
    if (!enabled) return;
    // A slow answer is not asked for again on top of itself.
    const timer = setInterval(() => idle.current && revalidate.current(), ms);
    return () => clearInterval(timer);
  }, [enabled, ms, revalidate, idle]);
}
