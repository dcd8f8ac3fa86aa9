import {
  execute,
  GraphQLError,
  Kind,
  NoDeprecatedCustomRule,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import type { ShopState } from "../state";
import { operationCost } from "./cost";

export interface ThrottleConfig {
  bucketSize: number;
  restoreRate: number;
  maxQueryCost: number;
}

export interface GraphQLRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
}

export interface GraphQLResponse {
  status: number;
  body: Record<string, unknown>;
}

const RULES = [...specifiedRules, NoDeprecatedCustomRule];

function throttleStatus(shop: ShopState, config: ThrottleConfig) {
  return {
    maximumAvailable: config.bucketSize,
    currentlyAvailable: Math.floor(shop.bucket.available),
    restoreRate: config.restoreRate,
  };
}

function refill(shop: ShopState, config: ThrottleConfig): void {
  const now = Date.now();
  shop.bucket.available = Math.min(config.bucketSize, shop.bucket.available + ((now - shop.bucket.at) / 1000) * config.restoreRate);
  shop.bucket.at = now;
}

/**
 * Fields resolve from the source object: a function is called with (args, context),
 * a present property is returned as is. A field the simulator does not model throws,
 * so a query never gets a made-up null.
 */
export const strictFieldResolver: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) => {
  if (source && typeof source === "object" && info.fieldName in source) {
    const value = (source as Record<string, unknown>)[info.fieldName];
    return typeof value === "function" ? (value as (a: unknown, c: unknown) => unknown).call(source, args, context) : value;
  }
  throw new GraphQLError(`${info.parentType.name}.${info.fieldName} is not implemented by the simulated shop`, {
    extensions: { code: "NOT_IMPLEMENTED_IN_SIMULATOR" },
  });
};

function formatError(error: GraphQLError, code = "INTERNAL_SERVER_ERROR") {
  const json = error.toJSON();
  return { ...json, extensions: json.extensions && Object.keys(json.extensions).length ? json.extensions : { code } };
}

export async function runGraphQL(
  schema: GraphQLSchema,
  body: GraphQLRequestBody,
  shop: ShopState,
  rootFor: (operation: "query" | "mutation" | "subscription") => Record<string, unknown>,
  context: unknown,
  config: ThrottleConfig,
): Promise<GraphQLResponse> {
  if (typeof body.query !== "string" || body.query.trim() === "") {
    return { status: 400, body: { errors: { query: "Required parameter missing or invalid" } } };
  }
  if (body.variables !== undefined && body.variables !== null && (typeof body.variables !== "object" || Array.isArray(body.variables))) {
    return { status: 400, body: { errors: { variables: "must be an object" } } };
  }
  let document: DocumentNode;
  try {
    document = parse(body.query);
  } catch (error) {
    return { status: 200, body: { errors: [formatError(error as GraphQLError, "GRAPHQL_PARSE_FAILED")] } };
  }
  const validationErrors = validate(schema, document, RULES);
  if (validationErrors.length > 0) return { status: 200, body: { errors: validationErrors.map((e) => formatError(e, "GRAPHQL_VALIDATION_FAILED")) } };

  const operationName = typeof body.operationName === "string" ? body.operationName : undefined;
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((o) => o.name?.value === operationName) : operations.length === 1 ? operations[0] : undefined;
  if (!operation) {
    return { status: 200, body: { errors: [{ message: "An operation name is required when a document holds several operations" }] } };
  }
  const fragments = Object.fromEntries(
    document.definitions
      .filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((f) => [f.name.value, f]),
  );
  const variables = (body.variables ?? {}) as Record<string, unknown>;
  const requested = operationCost(schema, operation, fragments, variables);
  if (requested > config.maxQueryCost) {
    return {
      status: 200,
      body: {
        errors: [
          {
            message: `Query cost is ${requested}, which exceeds the single query max cost limit (${config.maxQueryCost}).`,
            extensions: { code: "MAX_COST_EXCEEDED", cost: requested, maxCost: config.maxQueryCost },
          },
        ],
      },
    };
  }
  refill(shop, config);
  if (requested > shop.bucket.available) {
    return {
      status: 200,
      body: {
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }],
        extensions: { cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: throttleStatus(shop, config) } },
      },
    };
  }
  shop.bucket.available -= requested;
  const result = await execute({
    schema,
    document,
    rootValue: rootFor(operation.operation),
    contextValue: context,
    variableValues: variables,
    operationName,
    fieldResolver: strictFieldResolver,
  });
  const actual = Math.min(requested, operationCost(schema, operation, fragments, variables, result.data as Record<string, unknown> | null));
  shop.bucket.available = Math.min(config.bucketSize, shop.bucket.available + (requested - actual));
  return {
    status: 200,
    body: {
      ...(result.errors ? { errors: result.errors.map((e) => formatError(e)) } : {}),
      data: result.data ?? null,
      extensions: { cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: throttleStatus(shop, config) } },
    },
  };
}
