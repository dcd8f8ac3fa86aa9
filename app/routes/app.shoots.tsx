import type { LoaderFunctionArgs } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { EmptyNote } from "~/components/EmptyNote";
import { Badge, Card, IndexTable, Page, Text } from "@shopify/polaris";
import prisma from "~/db.server";
import { requireShop } from "~/lib/shop-context.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop } = await requireShop(request);
  const jobs = await prisma.generationJob.findMany({
    where: { shopId: shop.id },
    orderBy: { createdAt: "desc" },
    take: 50,
    select: { id: true, productId: true, status: true, costCredits: true, createdAt: true },
  });
  return { jobs: jobs.map((j) => ({ ...j, createdAt: j.createdAt.toISOString() })) };
};

export default function Shoots() {
  const { jobs } = useLoaderData<typeof loader>();
  return (
    <Page title="Shoots" backAction={{ url: "/app" }}>
      <Card padding="0">
        {jobs.length === 0 ? (
          <EmptyNote heading="No shoots yet" action={{ content: "Pick products", url: "/app/catalog" }}>Shoots you queue appear here with their progress and results.</EmptyNote>
        ) : (
          <IndexTable
            itemCount={jobs.length}
            selectable={false}
            headings={[{ title: "Created" }, { title: "Product" }, { title: "Status" }, { title: "Credits" }]}
          >
            {jobs.map((j, i) => (
              <IndexTable.Row id={j.id} key={j.id} position={i}>
                <IndexTable.Cell>{new Date(j.createdAt).toLocaleString()}</IndexTable.Cell>
                <IndexTable.Cell>
                  <Text as="span">{j.productId ?? "—"}</Text>
                </IndexTable.Cell>
                <IndexTable.Cell>
                  <Badge>{j.status}</Badge>
                </IndexTable.Cell>
                <IndexTable.Cell>{j.costCredits}</IndexTable.Cell>
              </IndexTable.Row>
            ))}
          </IndexTable>
        )}
      </Card>
    </Page>
  );
}
