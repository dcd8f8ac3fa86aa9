import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BlockStack, Card, Page, Text } from "@shopify/polaris";
import { requireShop } from "~/lib/shop-context.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  return {
    domain: shop.domain,
    name: shop.name,
    email: shop.email,
    currency: shop.currency,
    installedAt: shop.installedAt?.toISOString() ?? null,
  };
};

export default function Settings() {
  const shop = useLoaderData<typeof loader>();
  return (
    <Page title="Settings" backAction={{ url: "/app" }}>
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
    </Page>
  );
}
