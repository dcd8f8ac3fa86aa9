import { useAppBridge } from "@shopify/app-bridge-react";
import { useEffect, useRef } from "react";
import type { ReviewActionResult } from "~/lib/review-photo";

/** Says "done" once per answer, as a toast in Shopify admin. */
export function useActionToast(data: ReviewActionResult | undefined, state: string) {
  const shopify = useAppBridge();
  const shown = useRef<ReviewActionResult | undefined>(undefined);
  useEffect(() => {
    if (state !== "idle" || !data?.ok || shown.current === data) return;
    shown.current = data;
    shopify.toast.show(data.message);
  }, [data, state, shopify]);
}
