import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { useFetcher, useLoaderData, useNavigate, useNavigation, useRevalidator, useSearchParams } from "@remix-run/react";
import { useAppBridge } from "@shopify/app-bridge-react";
import {
  Badge,
  Banner,
  BlockStack,
  Card,
  ChoiceList,
  Filters,
  IndexTable,
  InlineStack,
  Link as PolarisLink,
  Page,
  Pagination,
  ProgressBar,
  Select,
  SkeletonBodyText,
  Text,
  TextField,
  Thumbnail,
  useIndexResourceState,
} from "@shopify/polaris";
import { ImageIcon } from "@shopify/polaris-icons";
import { useEffect, useState } from "react";
import { EmptyNote } from "~/components/EmptyNote";
import prisma from "~/db.server";
import { requireShop } from "~/lib/shop-context.server";
import { enqueueImport } from "~/queues.server";
import { CATALOG_SORTS as SORTS } from "~/lib/catalog-options";
import { listCatalog, parseCatalogFilters } from "~/services/catalog/catalog.server";
import { createImportRun, ImportInputError } from "~/services/catalog/import.server";

export const loader = async ({ request }: LoaderFunctionArgs) => {
  const { shop, graphql } = await requireShop(request);
  const filters = parseCatalogFilters(new URL(request.url).searchParams);
  const [catalog, lastRun] = await Promise.all([
    listCatalog(prisma, graphql, shop.id, filters).then(
      (c) => ({ ...c, error: null as string | null }),
      (error: unknown) => ({ rows: [], pageInfo: null, query: "", error: error instanceof Error ? error.message : String(error) }),
    ),
    prisma.importRun.findFirst({ where: { shopId: shop.id }, orderBy: { createdAt: "desc" } }),
  ]);
  return {
    filters,
    ...catalog,
    lastRun: lastRun && {
      id: lastRun.id,
      status: lastRun.status,
      mode: lastRun.mode,
      productsTotal: lastRun.productsTotal,
      productsDone: lastRun.productsDone,
      imported: lastRun.imagesImported,
      unchanged: lastRun.imagesUnchanged,
      failed: lastRun.imagesFailed,
      error: lastRun.errorMessage,
    },
  };
};

export const action = async ({ request }: ActionFunctionArgs) => {
  const { shop } = await requireShop(request);
  const form = await request.formData();
  if (form.get("intent") !== "import") return Response.json({ error: "Unknown action" }, { status: 400 });
  try {
    const run = await createImportRun(prisma, shop.id, {
      productIds: form.getAll("productId").map(String),
      wholeCatalog: form.get("wholeCatalog") === "1",
    });
    await enqueueImport(shop.id, run.id);
    return { runId: run.id, error: null };
  } catch (error) {
    if (error instanceof ImportInputError) return Response.json({ runId: null, error: error.message }, { status: 400 });
    throw error;
  }
};

const STATUS_TONE: Record<string, "success" | "attention" | undefined> = { ACTIVE: "success", DRAFT: "attention" };

function ImportProgress({ run }: { run: NonNullable<ReturnType<typeof useLoaderData<typeof loader>>["lastRun"]> }) {
  const active = run.status === "queued" || run.status === "running";
  const done = run.productsTotal > 0 ? Math.round((run.productsDone / run.productsTotal) * 100) : active ? 5 : 100;
  const summary = `${run.imported} imported, ${run.unchanged} already up to date${run.failed ? `, ${run.failed} failed` : ""}`;
  if (run.status === "failed") {
    return (
      <Banner tone="critical" title="The import stopped">
        <p>{run.error ?? "Something went wrong while importing."} {summary}.</p>
      </Banner>
    );
  }
  return (
    <Card>
      <BlockStack gap="200">
        <InlineStack align="space-between">
          <Text as="h2" variant="headingSm">
            {active ? "Importing product photos…" : "Import finished"}
          </Text>
          <Text as="span" tone="subdued" id="import-summary">
            {run.productsTotal > 0 ? `${run.productsDone} of ${run.productsTotal} products · ` : ""}
            {summary}
          </Text>
        </InlineStack>
        <ProgressBar progress={done} size="small" animated={active} tone={active ? "highlight" : "success"} />
      </BlockStack>
    </Card>
  );
}

export default function Catalog() {
  const data = useLoaderData<typeof loader>();
  const [params, setParams] = useSearchParams();
  const navigation = useNavigation();
  const revalidator = useRevalidator();
  const importer = useFetcher<typeof action>();
  const shopify = useAppBridge();
  const navigate = useNavigate();
  const [query, setQuery] = useState(data.filters.q ?? "");
  const rows = data.rows;
  const { selectedResources, allResourcesSelected, handleSelectionChange, clearSelection } = useIndexResourceState(rows);
  const running = data.lastRun && (data.lastRun.status === "queued" || data.lastRun.status === "running");

  useEffect(() => {
    if (!running) return;
    const timer = setInterval(() => revalidator.state === "idle" && revalidator.revalidate(), 1500);
    return () => clearInterval(timer);
  }, [running, revalidator]);

  useEffect(() => {
    if (importer.data?.runId) {
      shopify.toast.show("Import started");
      clearSelection();
    }
  }, [importer.data]);

  // Search as the merchant types, once they pause.
  useEffect(() => {
    if ((data.filters.q ?? "") === query) return;
    const timer = setTimeout(() => setParam("q", query || undefined), 400);
    return () => clearTimeout(timer);
  }, [query, data.filters.q]);

  const setParam = (key: string, value: string | undefined) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    next.delete("after");
    next.delete("before");
    setParams(next);
  };

  const startImport = (productIds: string[], wholeCatalog = false) => {
    const form = new FormData();
    form.set("intent", "import");
    if (wholeCatalog) form.set("wholeCatalog", "1");
    for (const id of productIds) form.append("productId", id);
    importer.submit(form, { method: "post" });
  };

  const pickProducts = async () => {
    const picked = (await shopify.resourcePicker({ type: "product", multiple: true })) as { id: string }[] | { selection: { id: string }[] } | undefined;
    const selection = Array.isArray(picked) ? picked : picked?.selection;
    if (selection?.length) startImport(selection.map((p) => p.id));
  };

  const filters = [
    {
      key: "status",
      label: "Status",
      filter: (
        <ChoiceList
          title="Status"
          titleHidden
          choices={[
            { label: "Active", value: "active" },
            { label: "Draft", value: "draft" },
            { label: "Archived", value: "archived" },
          ]}
          selected={data.filters.status ? [data.filters.status] : []}
          onChange={(v) => setParam("status", v[0])}
        />
      ),
      shortcut: true,
    },
    ...(["type", "vendor", "tag"] as const).map((key) => ({
      key,
      label: { type: "Product type", vendor: "Vendor", tag: "Tag" }[key],
      filter: (
        <TextField
          label={{ type: "Product type", vendor: "Vendor", tag: "Tag" }[key]}
          labelHidden
          autoComplete="off"
          value={data.filters[key] ?? ""}
          onChange={(v) => setParam(key, v)}
        />
      ),
    })),
    {
      key: "onModel",
      label: "On-model photos",
      filter: (
        <ChoiceList
          title="On-model photos"
          titleHidden
          choices={[
            { label: "Has on-model photos", value: "yes" },
            { label: "No on-model photos yet", value: "no" },
          ]}
          selected={data.filters.onModel ? [data.filters.onModel] : []}
          onChange={(v) => setParam("onModel", v[0])}
        />
      ),
    },
  ];
  const applied = filters
    .filter((f) => data.filters[f.key as keyof typeof data.filters])
    .map((f) => ({ key: f.key, label: `${f.label}: ${data.filters[f.key as keyof typeof data.filters]}`, onRemove: () => setParam(f.key, undefined) }));

  const loading = navigation.state === "loading" && navigation.location?.pathname === "/app/catalog";
  const error = data.error ?? (importer.data && "error" in importer.data ? importer.data.error : null);

  return (
    <Page
      title="Catalog"
      backAction={{ url: "/app" }}
      primaryAction={{ content: "Pick products", onAction: pickProducts }}
      secondaryActions={[{ content: "Import whole catalog", onAction: () => startImport([], true), loading: importer.state !== "idle" }]}
    >
      <BlockStack gap="400">
        {error && (
          <Banner tone="critical" title="Something went wrong">
            <p>{error}</p>
          </Banner>
        )}
        {data.lastRun && <ImportProgress run={data.lastRun} />}
        <Card padding="0">
          <div style={{ padding: "12px" }}>
            <InlineStack gap="300" blockAlign="end" wrap={false}>
              <div style={{ flex: 1 }}>
                <Filters
                  queryValue={query}
                  queryPlaceholder="Search products"
                  filters={filters}
                  appliedFilters={applied}
                  onQueryChange={setQuery}
                  onQueryClear={() => {
                    setQuery("");
                    setParam("q", undefined);
                  }}
                  onClearAll={() => setParams(new URLSearchParams())}
                />
              </div>
              <Select
                label="Sort"
                labelInline
                options={SORTS.map((s) => ({ label: s.replace("_", " ").toLowerCase(), value: s }))}
                value={data.filters.sort}
                onChange={(v) => setParam("sort", v)}
              />
            </InlineStack>
          </div>
          {data.error ? null : loading ? (
            <div style={{ padding: 16 }}>
              <SkeletonBodyText lines={8} />
            </div>
          ) : rows.length === 0 ? (
            <EmptyNote heading="No products match">Try another search or clear the filters.</EmptyNote>
          ) : (
            <IndexTable
              resourceName={{ singular: "product", plural: "products" }}
              itemCount={rows.length}
              selectedItemsCount={allResourcesSelected ? "All" : selectedResources.length}
              onSelectionChange={handleSelectionChange}
              headings={[{ title: "" }, { title: "Product" }, { title: "Status" }, { title: "Type" }, { title: "Vendor" }, { title: "Images", alignment: "end" }, { title: "Imported", alignment: "end" }, { title: "On-model" }]}
              promotedBulkActions={[
                { content: "Import images", onAction: () => startImport(selectedResources) },
                { content: "Create shoot", onAction: () => navigate(`/app/shoots/new?products=${selectedResources.map((id) => id.split("/").pop()).join(",")}`) },
              ]}
            >
              {rows.map((row, index) => (
                <IndexTable.Row id={row.id} key={row.id} position={index} selected={selectedResources.includes(row.id)}>
                  <IndexTable.Cell>
                    <Thumbnail size="small" source={row.thumbnail ?? ImageIcon} alt={row.thumbnailAlt ?? row.title} />
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <span className="catalog-product-link">
                      <PolarisLink url={`/app/catalog/${row.id.split("/").pop()}`} removeUnderline monochrome dataPrimaryLink>
                        <Text as="span" fontWeight="semibold">
                          {row.title}
                        </Text>
                      </PolarisLink>
                    </span>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Badge tone={STATUS_TONE[row.status]}>{row.status.toLowerCase()}</Badge>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{row.productType}</IndexTable.Cell>
                  <IndexTable.Cell>{row.vendor}</IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {row.imageCount}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>
                    <Text as="span" alignment="end" numeric>
                      {row.importedCount}
                    </Text>
                  </IndexTable.Cell>
                  <IndexTable.Cell>{row.onModelCount > 0 ? <Badge tone="success">{`${row.onModelCount}`}</Badge> : <Text as="span" tone="subdued">None yet</Text>}</IndexTable.Cell>
                </IndexTable.Row>
              ))}
            </IndexTable>
          )}
          {data.pageInfo && (data.pageInfo.hasNextPage || data.pageInfo.hasPreviousPage) && (
            <div style={{ padding: 12, display: "flex", justifyContent: "center" }}>
              <Pagination
                hasPrevious={data.pageInfo.hasPreviousPage}
                hasNext={data.pageInfo.hasNextPage}
                onPrevious={() => {
                  const next = new URLSearchParams(params);
                  next.delete("after");
                  next.set("before", data.pageInfo!.startCursor ?? "");
                  setParams(next);
                }}
                onNext={() => {
                  const next = new URLSearchParams(params);
                  next.delete("before");
                  next.set("after", data.pageInfo!.endCursor ?? "");
                  setParams(next);
                }}
              />
            </div>
          )}
        </Card>
      </BlockStack>
    </Page>
  );
}
