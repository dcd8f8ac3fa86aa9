import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData } from "@remix-run/react";
import { Banner, BlockStack, Button, Card, Checkbox, Page, Select, Text } from "@shopify/polaris";
import { WatcherSettingsCard } from "~/components/WatcherSettingsCard";
import { useState } from "react";
import prisma from "~/db.server";
import { AI_DISCLOSURE } from "~/lib/alt-text";
import { publishSettingsForm, readPublishSettings, readWatcherSettings, watcherSettingsForm } from "~/lib/shop-settings";
import { requireShop } from "~/lib/shop-context.server";
import { listLooks } from "~/services/shoots/looks.server";
import { savePublishSettings, saveWatcherSettings } from "~/services/shops.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  return {
    domain: shop.domain,
    name: shop.name,
    email: shop.email,
    currency: shop.currency,
    installedAt: shop.installedAt?.toISOString() ?? null,
    publishing: readPublishSettings(shop.settings),
    watcher: readWatcherSettings(shop.settings),
    looks: (await listLooks(prisma, shop.id)).map((l) => ({ id: l.id, name: l.name })),
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const form = Object.fromEntries(await request.formData());
  if (form.intent === "watcher") {
    const watcher = watcherSettingsForm.safeParse(form);
    if (!watcher.success) return Response.json({ ok: false, error: watcher.error.issues[0]?.message ?? "Those settings could not be saved." }, { status: 400 });
    if (watcher.data.watchCatalog && !watcher.data.watcherLookId) {
      return Response.json({ ok: false, error: "Choose the look new photos are shot with." }, { status: 400 });
    }
    await saveWatcherSettings(prisma, shop.id, watcher.data);
    return { ok: true, error: null };
  }
  const parsed = publishSettingsForm.safeParse(form);
  if (!parsed.success) return Response.json({ ok: false, error: "Those settings could not be saved; reload the page and try again." }, { status: 400 });
  const saved = await savePublishSettings(prisma, shop.id, parsed.data);
  return { ok: true, error: null, saved };
};

export default function Settings() {
  const shop = useLoaderData<typeof loader>();
  const fetcher = useFetcher<{ ok: boolean; error: string | null }>();
  const [values, setValues] = useState(shop.publishing);
  const dirty = JSON.stringify(values) !== JSON.stringify(shop.publishing);
  const save = () =>
    fetcher.submit(
      {
        aiDisclosure: String(values.aiDisclosure),
        autoPublish: String(values.autoPublish),
        publishPosition: values.publishPosition,
        attachVariants: String(values.attachVariants),
      },
      { method: "post" },
    );
  return (
    <Page title="Settings" backAction={{ url: "/app" }}>
      <BlockStack gap="400">
        <Card>
          <BlockStack gap="300">
            <Text as="h2" variant="headingMd">
              Publishing
            </Text>
            {fetcher.data?.error && <Banner tone="critical">{fetcher.data.error}</Banner>}
            {fetcher.data?.ok && fetcher.state === "idle" && !dirty && <Banner tone="success">Settings saved.</Banner>}
            <Checkbox
              label={`Add “${AI_DISCLOSURE}” to the alt text of published photos`}
              helpText="Tells shoppers using screen readers, and anyone reading the alt text, how the photo was made."
              checked={values.aiDisclosure}
              onChange={(v) => setValues({ ...values, aiDisclosure: v })}
            />
            <Checkbox
              label="Publish photos automatically"
              helpText="Photos that pass the garment check go to their product without review. Photos marked “Needs review” always wait for you."
              checked={values.autoPublish}
              onChange={(v) => setValues({ ...values, autoPublish: v })}
            />
            <Select
              label="Where published photos go"
              options={[
                { label: "After the product's photos", value: "append" },
                { label: "First (the featured image)", value: "featured" },
              ]}
              value={values.publishPosition}
              onChange={(v) => setValues({ ...values, publishPosition: v === "featured" ? "featured" : "append" })}
            />
            <Checkbox
              label="Also show each photo on the variants of its colour"
              checked={values.attachVariants}
              onChange={(v) => setValues({ ...values, attachVariants: v })}
            />
            <div>
              <Button variant="primary" onClick={save} disabled={!dirty} loading={fetcher.state !== "idle"}>
                Save
              </Button>
            </div>
          </BlockStack>
        </Card>
        <WatcherSettingsCard settings={shop.watcher} looks={shop.looks} />
        <Card>
          <BlockStack gap="200">
            <Text as="h2" variant="headingMd">
              Store
            </Text>
            <Text as="p">{shop.name ?? shop.domain}</Text>
            <Text as="p" tone="subdued">
              {shop.domain} · {shop.currency}
              {shop.email ? ` · ${shop.email}` : ""}
            </Text>
            {shop.installedAt && (
              <Text as="p" tone="subdued">
                Installed {new Date(shop.installedAt).toLocaleDateString()}
              </Text>
            )}
          </BlockStack>
        </Card>
      </BlockStack>
    </Page>
  );
}
