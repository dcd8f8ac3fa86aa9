import { useFetcher } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, Select, Text, TextField } from "@shopify/polaris";
import { useState } from "react";
import type { WatcherSettings } from "~/lib/shop-settings";

/** The catalog watcher's settings: on/off, the look, the monthly budget, auto-run. */
export function WatcherSettingsCard({ settings, looks }: { settings: WatcherSettings; looks: { id: string; name: string }[] }) {
  const fetcher = useFetcher<{ ok: boolean; error: string | null }>();
  const [on, setOn] = useState(settings.watchCatalog);
  const [lookId, setLookId] = useState(settings.watcherLookId ?? looks[0]?.id ?? "");
  const [budget, setBudget] = useState(String(settings.watcherMonthlyBudget));
  const [autoRun, setAutoRun] = useState(settings.watcherAutoRun);
  const save = () =>
    fetcher.submit(
      { intent: "watcher", watchCatalog: String(on), watcherLookId: lookId, watcherMonthlyBudget: budget, watcherAutoRun: String(autoRun) },
      { method: "post" },
    );
  return (
    <Card>
      <BlockStack gap="300">
        <Text as="h2" variant="headingMd">
          Catalog watcher
        </Text>
        {fetcher.data?.error && <Banner tone="critical">{fetcher.data.error}</Banner>}
        {fetcher.data?.ok && fetcher.state === "idle" && <Banner tone="success">Watcher settings saved.</Banner>}
        <Checkbox
          label="Shoot new product photos"
          helpText="When a product is created or gets a new photo, a draft shoot with your look appears on the Shoots page."
          checked={on}
          onChange={setOn}
        />
        {looks.length === 0 ? (
          <Text as="p" tone="subdued">
            Save a look on the new-shoot page first; the watcher shoots with it.
          </Text>
        ) : (
          <Select label="Look" options={looks.map((l) => ({ label: l.name, value: l.id }))} value={lookId} onChange={setLookId} />
        )}
        <TextField
          label="Monthly budget (credits)"
          type="number"
          min={0}
          value={budget}
          onChange={setBudget}
          autoComplete="off"
          helpText="The watcher never spends more than this in a calendar month."
        />
        <Checkbox label="Shoot drafts without waiting for my approval" checked={autoRun} onChange={setAutoRun} />
        <div>
          <Button variant="primary" onClick={save} loading={fetcher.state !== "idle"}>
            Save
          </Button>
        </div>
      </BlockStack>
    </Card>
  );
}
