import { useSearchParams } from "@remix-run/react";
import { Tabs } from "@shopify/polaris";
import { FILTER_LABELS } from "~/lib/review-photo";
import type { ReviewFilter } from "~/services/review/review.server";

const FILTERS = Object.keys(FILTER_LABELS) as ReviewFilter[];

/** All, New, Needs review… with counts; the choice lives in ?filter= so it survives reloads. */
export function ReviewFilterTabs({ filter, counts }: { filter: ReviewFilter; counts: Record<ReviewFilter, number> }) {
  const [params, setParams] = useSearchParams();
  const tabs = FILTERS.map((f) => ({ id: `filter-${f}`, content: FILTER_LABELS[f], badge: String(counts[f]), accessibilityLabel: `${FILTER_LABELS[f]} (${counts[f]})` }));
  return (
    <Tabs
      tabs={tabs}
      selected={FILTERS.indexOf(filter)}
      onSelect={(index) => {
        const next = new URLSearchParams(params);
        if (FILTERS[index] === "all") next.delete("filter");
        else next.set("filter", FILTERS[index]!);
        setParams(next, { preventScrollReset: true });
      }}
    />
  );
}
