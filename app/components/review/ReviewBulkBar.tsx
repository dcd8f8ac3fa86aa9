import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, InlineStack, Select, Text } from "@shopify/polaris";
import { useEffect, useRef, useState } from "react";
import { photos as count, type PublishDefaults, type ReviewActionResult } from "~/lib/review-photo";
import { RollbackButton } from "./RollbackButton";
import { useActionToast } from "./use-action-toast";

export interface ReviewBulkBarProps {
  /** Finished photos on screen: what "Select all" selects. */
  selectable: string[];
  selected: ReadonlySet<string>;
  onSelection: (ids: string[]) => void;
  approved: number;
  passed: number;
  onProduct: number;
  defaults: PublishDefaults;
  /** Only a shoot can be rolled back as a whole. */
  canRollback?: boolean;
}

const POSITIONS = [
  { label: "Append", value: "append" },
  { label: "Make featured", value: "featured" },
];

/** Decisions on many photos at once, and publishing what was approved. */
export function ReviewBulkBar({ selectable, selected, onSelection, approved, passed, onProduct, defaults, canRollback }: ReviewBulkBarProps) {
  const fetcher = useFetcher<ReviewActionResult>();
  useActionToast(fetcher.data, fetcher.state);
  const [position, setPosition] = useState(defaults.position);
  const [attachVariants, setAttachVariants] = useState(defaults.attachVariants);
  const busy = fetcher.state !== "idle";
  const picked = selectable.filter((id) => selected.has(id));
  const submit = (intent: string, fields: [string, string][] = []) => {
    const form = new FormData();
    form.set("intent", intent);
    for (const [key, value] of fields) form.append(key, value);
    fetcher.submit(form, { method: "post" });
  };
  // A decision on the selection is done with it.
  const handled = useRef<ReviewActionResult | undefined>(undefined);
  useEffect(() => {
    if (fetcher.state !== "idle" || !fetcher.data?.ok || handled.current === fetcher.data) return;
    handled.current = fetcher.data;
    onSelection([]);
  }, [fetcher.data, fetcher.state, onSelection]);
  const error = fetcher.state === "idle" && fetcher.data && !fetcher.data.ok ? fetcher.data.error : null;
  const all = picked.length > 0 && picked.length === selectable.length;
  return (
    <Card>
      <BlockStack gap="300">
        {error && (
          <Banner tone="critical">
            <p id="review-error">{error}</p>
          </Banner>
        )}
        <InlineStack gap="300" blockAlign="center" wrap>
          <Checkbox
            label={picked.length ? `${picked.length} selected` : "Select all"}
            checked={all ? true : picked.length ? "indeterminate" : false}
            disabled={selectable.length === 0}
            onChange={() => onSelection(all ? [] : selectable)}
          />
          <Button disabled={busy || !picked.length} onClick={() => submit("approve", picked.map((id) => ["ids", id]))}>
            Approve selected
          </Button>
          <Button disabled={busy || !picked.length} onClick={() => submit("reject", picked.map((id) => ["ids", id]))}>
            Reject selected
          </Button>
          <Button disabled={busy || !passed} onClick={() => submit("approve-passed")}>
            {`Approve all that passed${passed ? ` (${passed})` : ""}`}
          </Button>
        </InlineStack>
        <InlineStack gap="300" blockAlign="center" wrap>
          <Select label="Position" labelInline options={POSITIONS} value={position} onChange={(v) => setPosition(v === "featured" ? "featured" : "append")} />
          <Checkbox label="Also show on variants of its colour" checked={attachVariants} onChange={setAttachVariants} />
          <Button
            variant={approved ? "primary" : "secondary"}
            disabled={busy}
            onClick={() => submit("publish", [["position", position], ["attachVariants", String(attachVariants)]])}
          >
            {`Publish approved${approved ? ` (${approved})` : ""}`}
          </Button>
          {canRollback && onProduct > 0 && <RollbackButton onProduct={onProduct} busy={busy} onConfirm={() => submit("rollback")} />}
        </InlineStack>
        <Text as="p" variant="bodySm" tone="subdued">
          {onProduct ? `${count(onProduct)} on your products. ` : ""}Only approved photos are published.
        </Text>
      </BlockStack>
    </Card>
  );
}
