import {
  getNamedType,
  isLeafType,
  isListType,
  isNonNullType,
  Kind,
  valueFromASTUntyped,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type SelectionSetNode,
  isCompositeType,
  isObjectType,
  isInterfaceType,
} from "graphql";

// Shopify's calculated query cost: scalars and enums 0, objects 1, connections 2 plus
// their page size times the cost of one node, mutations 10. The requested cost uses
// first/last; the actual cost uses what the response really holds.

export const MUTATION_COST = 10;

interface Ctx {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

function argValue(field: FieldNode, name: string, ctx: Ctx): unknown {
  const arg = field.arguments?.find((a) => a.name.value === name);
  return arg ? valueFromASTUntyped(arg.value, ctx.variables) : undefined;
}

function fieldsOf(selectionSet: SelectionSetNode, ctx: Ctx, parent: GraphQLCompositeType): { node: FieldNode; parent: GraphQLCompositeType }[] {
  const out: { node: FieldNode; parent: GraphQLCompositeType }[] = [];
  for (const sel of selectionSet.selections) {
    if (sel.kind === Kind.FIELD) out.push({ node: sel, parent });
    else if (sel.kind === Kind.INLINE_FRAGMENT) {
      const t = sel.typeCondition ? ctx.schema.getType(sel.typeCondition.name.value) : parent;
      if (t && isCompositeType(t)) out.push(...fieldsOf(sel.selectionSet, ctx, t));
    } else {
      const frag = ctx.fragments[sel.name.value];
      const t = frag && ctx.schema.getType(frag.typeCondition.name.value);
      if (frag && t && isCompositeType(t)) out.push(...fieldsOf(frag.selectionSet, ctx, t));
    }
  }
  return out;
}

function fieldDef(parent: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (isObjectType(parent) || isInterfaceType(parent)) return parent.getFields()[name];
  return undefined;
}

function isConnection(typeName: string): boolean {
  return typeName.endsWith("Connection");
}

/** Cost of a selection; with `data` it is the actual cost of that response. */
export function selectionCost(
  selectionSet: SelectionSetNode,
  parent: GraphQLCompositeType,
  ctx: Ctx,
  data?: Record<string, unknown> | null,
): number {
  let total = 0;
  for (const { node, parent: owner } of fieldsOf(selectionSet, ctx, parent)) {
    if (node.name.value.startsWith("__")) continue;
    const def = fieldDef(owner, node.name.value);
    if (!def) continue;
    const named = getNamedType(def.type);
    if (isLeafType(named) || !node.selectionSet || !isCompositeType(named)) continue;
    const key = node.alias?.value ?? node.name.value;
    const value = data ? data[key] : undefined;
    if (data && (value === null || value === undefined)) continue;
    if (isConnection(named.name)) {
      const requested = Number(argValue(node, "first", ctx) ?? argValue(node, "last", ctx) ?? 0);
      const conn = value as { edges?: { node?: Record<string, unknown> }[]; nodes?: Record<string, unknown>[] } | undefined;
      const size = data ? Math.max(conn?.edges?.length ?? 0, conn?.nodes?.length ?? 0) : requested;
      total += 2 + size * connectionItemCost(node.selectionSet, named, ctx, conn);
      continue;
    }
    let inner = def.type;
    if (isNonNullType(inner)) inner = inner.ofType;
    if (isListType(inner) && data && Array.isArray(value)) {
      for (const item of value) total += 1 + selectionCost(node.selectionSet, named, ctx, item as Record<string, unknown>);
    } else if (isListType(inner) && !data && Array.isArray(argValue(node, "ids", ctx))) {
      // nodes(ids:) and the like cost one object per id asked for.
      const count = (argValue(node, "ids", ctx) as unknown[]).length;
      total += count * (1 + selectionCost(node.selectionSet, named, ctx));
    } else {
      total += 1 + selectionCost(node.selectionSet, named, ctx, (value as Record<string, unknown> | undefined) ?? undefined);
    }
  }
  return total;
}

function connectionItemCost(
  selectionSet: SelectionSetNode,
  connection: GraphQLCompositeType,
  ctx: Ctx,
  data: { edges?: { node?: Record<string, unknown> }[]; nodes?: Record<string, unknown>[] } | undefined,
): number {
  let per = 0;
  for (const { node, parent } of fieldsOf(selectionSet, ctx, connection)) {
    const def = fieldDef(parent, node.name.value);
    if (!def || !node.selectionSet) continue;
    const named = getNamedType(def.type);
    if (!isCompositeType(named)) continue;
    if (node.name.value === "edges") {
      for (const inner of fieldsOf(node.selectionSet, ctx, named)) {
        const innerDef = fieldDef(inner.parent, inner.node.name.value);
        const innerType = innerDef && getNamedType(innerDef.type);
        if (inner.node.name.value === "node" && inner.node.selectionSet && innerType && isCompositeType(innerType)) {
          per = Math.max(per, 1 + selectionCost(inner.node.selectionSet, innerType, ctx, data ? (data.edges?.[0]?.node ?? {}) : undefined));
        }
      }
    } else if (node.name.value === "nodes") {
      per = Math.max(per, 1 + selectionCost(node.selectionSet, named, ctx, data ? (data.nodes?.[0] ?? {}) : undefined));
    }
  }
  return per;
}

export function operationCost(
  schema: GraphQLSchema,
  operation: { operation: "query" | "mutation" | "subscription"; selectionSet: SelectionSetNode },
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  data?: Record<string, unknown> | null,
): number {
  const ctx = { schema, fragments, variables };
  const root = operation.operation === "mutation" ? schema.getMutationType() : schema.getQueryType();
  if (!root) return 0;
  const base = selectionCost(operation.selectionSet, root, ctx, data ?? undefined);
  if (operation.operation !== "mutation") return base;
  const mutations = operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD).length;
  return base + mutations * (MUTATION_COST - 1);
}
