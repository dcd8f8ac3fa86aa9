import type { LoaderFunctionArgs } from "@remix-run/node";
import { Card, EmptyState, Page } from "@shopify/polaris";
import { requireShop } from "~/lib/shop-context.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  await requireShop(request);
  return null;
};

export default function Catalog() {
  return (
    <Page title="Catalog" backAction={{ url: "/app" }}>
      <Card>
        <EmptyState heading="Your products will appear here" image="">
          <p>Browsing and importing your store&apos;s product photos is not available in this version yet.</p>
        </EmptyState>
      </Card>
    </Page>
  );
}
