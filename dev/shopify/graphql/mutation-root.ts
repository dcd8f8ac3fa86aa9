import { randomUUID } from "node:crypto";
import {
  getNamedType,
  Kind,
  NoDeprecatedCustomRule,
  parse,
  specifiedRules,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
} from "graphql";
import { claimFilename, sourceFilename } from "../filenames";
import { gid, parseGid, type MediaRecord, type ProductRecord } from "../state";
import type { SimContext } from "../runtime";
import { fileDelete, productDelete } from "./deletions";
import { bulkOperationObject, mediaObject, productObject, purchaseObject, variantObject } from "./objects";
import { loadAdminSchema } from "./schema";

type UserError = { field: string[] | null; message: string; code?: string };

const ALLOWED_UPLOAD_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"];

function findProduct(ctx: SimContext, id: unknown): ProductRecord | null {
  const ref = typeof id === "string" ? parseGid(id, "Product") : null;
  return (ref && ctx.shop.products.get(ref.id)) || null;
}

/** New media from an originalSource URL; bytes are fetched and decoded asynchronously. */
function createMedia(ctx: SimContext, product: ProductRecord, input: { alt?: string | null; originalSource: string }): MediaRecord {
  const now = new Date();
  const media: MediaRecord = {
    id: ctx.sim.state.newId(ctx.shop),
    filename: "",
    alt: input.alt ?? null,
    status: "UPLOADED",
    mimeType: "image/jpeg",
    width: null,
    height: null,
    source: { kind: "bytes", bytes: Buffer.alloc(0), filename: "" },
    originalSource: input.originalSource,
    errors: [],
    productIds: new Set([product.id]),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  ctx.shop.media.set(media.id, media);
  claimFilename(ctx.shop, media, sourceFilename(ctx.sim, input.originalSource));
  product.mediaIds.push(media.id);
  product.updatedAt = now;
  ctx.sim.startMediaProcessing(ctx.shop, media);
  return media;
}

function validateMediaInputs(inputs: { mediaContentType: string; originalSource: string }[], field: string): UserError[] {
  const errors: UserError[] = [];
  inputs.forEach((m, i) => {
    if (m.mediaContentType !== "IMAGE") {
      errors.push({ field: [field, String(i), "mediaContentType"], message: "Only images are supported by the simulated shop" });
    }
    if (!/^https?:\/\//.test(m.originalSource)) {
      errors.push({ field: [field, String(i), "originalSource"], message: "Image URL is invalid" });
    }
  });
  return errors;
}

/**
 * Why Shopify would refuse a bulk query, or null: it must be one valid query
 * operation without variables, with at least one and at most five connections.
 */
function bulkQueryError(query: string): string | null {
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    return `Invalid bulk query: ${(error as Error).message}`;
  }
  const schema = loadAdminSchema();
  const invalid = validate(schema, document, [...specifiedRules, NoDeprecatedCustomRule]);
  if (invalid.length) return `Invalid bulk query: ${invalid[0]!.message}`;
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operations.length !== 1 || operations[0]!.operation !== "query") return "Bulk queries must contain exactly one query operation.";
  if (operations[0]!.variableDefinitions?.length) return "Bulk queries cannot use variables.";
  const typeInfo = new TypeInfo(schema);
  let connections = 0;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: () => {
        const type = typeInfo.getType();
        if (type && getNamedType(type).name.endsWith("Connection")) connections++;
      },
    }),
  );
  if (connections === 0) return "Bulk queries must contain at least one connection.";
  if (connections > 5) return "Bulk queries cannot contain more than 5 connections.";
  return null;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "https:" || url.protocol === "http:") && url.hostname !== "";
  } catch {
    return false;
  }
}

/**
 * Purchase ids are unique across every shop, as Shopify's are: apps key their
 * records by the purchase id alone, so two shops must never share one.
 */
function nextPurchaseId(ctx: SimContext): number {
  let max = 1_017_000_000;
  for (const shop of ctx.sim.state.allShops()) for (const id of shop.purchases.keys()) max = Math.max(max, id);
  return max + 1;
}

function detach(ctx: SimContext, product: ProductRecord, mediaId: number): void {
  product.mediaIds = product.mediaIds.filter((id) => id !== mediaId);
  for (const vid of product.variantIds) {
    const v = ctx.shop.variants.get(vid);
    if (v) v.mediaIds = v.mediaIds.filter((id) => id !== mediaId);
  }
  const media = ctx.shop.media.get(mediaId);
  media?.productIds.delete(product.id);
  product.updatedAt = new Date();
}

export function mutationRoot(ctx: SimContext) {
  return {
    stagedUploadsCreate: (args: {
      input: { filename: string; mimeType: string; resource: string; httpMethod?: string | null; fileSize?: string | null }[];
    }) => {
      const userErrors: UserError[] = [];
      const targets = args.input.map((input, i) => {
        if (!["IMAGE", "FILE", "PRODUCT_IMAGE"].includes(input.resource)) {
          userErrors.push({ field: ["input", String(i), "resource"], message: `Resource ${input.resource} is not supported by the simulated shop` });
          return null;
        }
        if (!ALLOWED_UPLOAD_TYPES.includes(input.mimeType)) {
          userErrors.push({ field: ["input", String(i), "mimeType"], message: "File type is not supported" });
          return null;
        }
        if (input.fileSize && Number(input.fileSize) > 20 * 1024 * 1024) {
          userErrors.push({ field: ["input", String(i), "fileSize"], message: "File size exceeds 20 MB" });
          return null;
        }
        const token = randomUUID();
        const httpMethod = input.httpMethod === "PUT" ? "PUT" : "POST";
        ctx.sim.stagedUploads.set(token, {
          token,
          shop: ctx.shop.domain,
          filename: input.filename,
          mimeType: input.mimeType,
          httpMethod,
          bytes: null,
          createdAt: Date.now(),
        });
        const key = `tmp/${ctx.shop.numericId}/products/${token}/${input.filename}`;
        const url = `${ctx.sim.publicUrl()}/staged-uploads/${token}`;
        return {
          url,
          resourceUrl: `${url}/${encodeURIComponent(input.filename)}`,
          parameters:
            httpMethod === "PUT"
              ? [{ name: "content_type", value: input.mimeType }]
              : [
                  { name: "Content-Type", value: input.mimeType },
                  { name: "success_action_status", value: "201" },
                  { name: "acl", value: "private" },
                  { name: "key", value: key },
                  { name: "policy", value: Buffer.from(JSON.stringify({ token })).toString("base64") },
                ],
        };
      });
      return { stagedTargets: userErrors.length ? [] : targets, userErrors };
    },

    productUpdate: (args: {
      product?: { id?: string | null; title?: string | null; status?: string | null; tags?: string[] | null } | null;
      media?: { alt?: string | null; mediaContentType: string; originalSource: string }[] | null;
    }) => {
      const product = findProduct(ctx, args.product?.id);
      if (!product) return { product: null, userErrors: [{ field: ["id"], message: "Product does not exist" }] };
      const media = args.media ?? [];
      const userErrors = validateMediaInputs(media, "media");
      if (userErrors.length) return { product: null, userErrors };
      if (args.product?.title != null) product.title = args.product.title;
      if (args.product?.status != null) product.status = args.product.status as ProductRecord["status"];
      if (args.product?.tags != null) product.tags = args.product.tags;
      for (const m of media) createMedia(ctx, product, m);
      product.updatedAt = new Date();
      return { product: productObject(ctx, product), userErrors: [] };
    },

    productSet: (args: {
      identifier?: { id?: string | null } | null;
      input: { title?: string | null; files?: { id?: string | null; originalSource?: string | null; alt?: string | null; contentType?: string | null }[] | null };
      synchronous?: boolean | null;
    }) => {
      const product = findProduct(ctx, args.identifier?.id);
      if (!product) {
        return { product: null, productSetOperation: null, userErrors: [{ field: ["identifier", "id"], message: "Product does not exist", code: "PRODUCT_DOES_NOT_EXIST" }] };
      }
      if (args.synchronous === false) {
        return { product: null, productSetOperation: null, userErrors: [{ field: ["synchronous"], message: "Asynchronous productSet is not implemented by the simulated shop", code: "INVALID_INPUT" }] };
      }
      // Validate everything before changing anything: a refused productSet leaves the product as it was.
      const keep: number[] = [];
      const userErrors: UserError[] = [];
      if (args.input.files) {
        args.input.files.forEach((f, i) => {
          if (f.id) {
            const ref = parseGid(f.id, "MediaImage");
            if (!ref || !ctx.shop.media.has(ref.id)) userErrors.push({ field: ["input", "files", String(i), "id"], message: "File does not exist", code: "INVALID_INPUT" });
            else keep.push(ref.id);
          } else if (!f.originalSource || !/^https?:\/\//.test(f.originalSource)) {
            userErrors.push({ field: ["input", "files", String(i), "originalSource"], message: "Image URL is invalid", code: "INVALID_INPUT" });
          } else if (f.contentType && f.contentType !== "IMAGE") {
            userErrors.push({ field: ["input", "files", String(i), "contentType"], message: "Only images are supported by the simulated shop", code: "INVALID_INPUT" });
          }
        });
      }
      if (userErrors.length) return { product: null, productSetOperation: null, userErrors };
      if (args.input.title != null) product.title = args.input.title;
      if (args.input.files) {
        // productSet is declarative: the files listed become the product's media.
        for (const id of [...product.mediaIds]) if (!keep.includes(id)) detach(ctx, product, id);
        const order: number[] = [];
        for (const f of args.input.files) {
          if (f.id) {
            const id = parseGid(f.id, "MediaImage")!.id;
            ctx.shop.media.get(id)!.productIds.add(product.id);
            order.push(id);
          } else {
            order.push(createMedia(ctx, product, { alt: f.alt, originalSource: f.originalSource! }).id);
          }
        }
        product.mediaIds = order;
      }
      product.updatedAt = new Date();
      return { product: productObject(ctx, product), productSetOperation: null, userErrors: [] };
    },

    productReorderMedia: (args: { id: string; moves: { id: string; newPosition: string }[] }) => {
      const product = findProduct(ctx, args.id);
      if (!product) return { job: null, mediaUserErrors: [{ field: ["id"], message: "Product does not exist", code: "PRODUCT_DOES_NOT_EXIST" }] };
      const errors: UserError[] = [];
      for (const [i, move] of args.moves.entries()) {
        const ref = parseGid(move.id, "MediaImage");
        if (!ref || !product.mediaIds.includes(ref.id)) {
          errors.push({ field: ["moves", String(i), "id"], message: "Media does not exist", code: "MEDIA_DOES_NOT_EXIST" });
        }
      }
      if (errors.length) return { job: null, mediaUserErrors: errors };
      for (const move of args.moves) {
        const id = parseGid(move.id, "MediaImage")!.id;
        const list = product.mediaIds.filter((m) => m !== id);
        list.splice(Math.min(Number(move.newPosition), list.length), 0, id);
        product.mediaIds = list;
      }
      product.updatedAt = new Date();
      return { job: { id: gid("Job", randomUUID()), done: true }, mediaUserErrors: [] };
    },

    productVariantAppendMedia: (args: { productId: string; variantMedia: { variantId: string; mediaIds: string[] }[] }) => {
      const product = findProduct(ctx, args.productId);
      if (!product) return { product: null, productVariants: null, userErrors: [{ field: ["productId"], message: "Product does not exist", code: "PRODUCT_DOES_NOT_EXIST" }] };
      const errors: UserError[] = [];
      const changes: { variantId: number; mediaId: number }[] = [];
      args.variantMedia.forEach((vm, i) => {
        const vref = parseGid(vm.variantId, "ProductVariant");
        if (!vref || !product.variantIds.includes(vref.id)) {
          errors.push({ field: ["variantMedia", String(i), "variantId"], message: "Variant does not exist on this product", code: "PRODUCT_VARIANT_DOES_NOT_EXIST_ON_PRODUCT" });
          return;
        }
        if (vm.mediaIds.length !== 1) {
          errors.push({ field: ["variantMedia", String(i), "mediaIds"], message: "Only one mediaId is allowed per variant-media input pair", code: "TOO_MANY_MEDIA_PER_INPUT_PAIR" });
          return;
        }
        const mref = parseGid(vm.mediaIds[0]!, "MediaImage");
        const media = mref && ctx.shop.media.get(mref.id);
        if (!media || !product.mediaIds.includes(media.id)) {
          errors.push({ field: ["variantMedia", String(i), "mediaIds"], message: "Media does not exist on this product", code: "MEDIA_DOES_NOT_EXIST_ON_PRODUCT" });
        } else if (media.status !== "READY") {
          errors.push({ field: ["variantMedia", String(i), "mediaIds"], message: "Non-ready media cannot be attached to variants", code: "NON_READY_MEDIA" });
        } else changes.push({ variantId: vref.id, mediaId: media.id });
      });
      if (errors.length) return { product: null, productVariants: null, userErrors: errors };
      for (const c of changes) ctx.shop.variants.get(c.variantId)!.mediaIds = [c.mediaId];
      return {
        product: productObject(ctx, product),
        productVariants: changes.map((c) => variantObject(ctx, ctx.shop.variants.get(c.variantId)!)),
        userErrors: [],
      };
    },

    fileUpdate: (args: { files: { id: string; alt?: string | null; referencesToAdd?: string[] | null; referencesToRemove?: string[] | null; originalSource?: string | null; filename?: string | null }[] }) => {
      const errors: UserError[] = [];
      args.files.forEach((f, i) => {
        const ref = parseGid(f.id, "MediaImage");
        if (!ref || !ctx.shop.media.has(ref.id)) errors.push({ field: ["files", String(i), "id"], message: "File id does not exist", code: "FILE_DOES_NOT_EXIST" });
        for (const p of [...(f.referencesToAdd ?? []), ...(f.referencesToRemove ?? [])]) {
          if (!findProduct(ctx, p)) errors.push({ field: ["files", String(i), "references"], message: `Reference ${p} does not exist`, code: "REFERENCE_TARGET_DOES_NOT_EXIST" });
        }
        if (f.originalSource || f.filename) {
          errors.push({ field: ["files", String(i)], message: "Replacing file contents is not implemented by the simulated shop", code: "INVALID" });
        }
      });
      if (errors.length) return { files: null, userErrors: errors };
      const files = args.files.map((f) => {
        const media = ctx.shop.media.get(parseGid(f.id, "MediaImage")!.id)!;
        if (f.alt !== undefined) media.alt = f.alt ?? null;
        for (const p of f.referencesToRemove ?? []) detach(ctx, findProduct(ctx, p)!, media.id);
        for (const p of f.referencesToAdd ?? []) {
          const product = findProduct(ctx, p)!;
          if (!product.mediaIds.includes(media.id)) product.mediaIds.push(media.id);
          media.productIds.add(product.id);
        }
        media.updatedAt = new Date();
        return mediaObject(ctx, media);
      });
      return { files, userErrors: [] };
    },

    fileDelete: (args: { fileIds: string[] }) => fileDelete(ctx, args),

    productDelete: (args: { input: { id: string }; synchronous?: boolean | null }) => productDelete(ctx, args),

    bulkOperationRunQuery: (args: { query: string; groupObjects: boolean }) => {
      const running = [...ctx.shop.bulkOperations.values()].find((o) => o.status === "CREATED" || o.status === "RUNNING" || o.status === "CANCELING");
      if (running) {
        return { bulkOperation: null, userErrors: [{ field: ["query"], message: `A bulk query operation for this app and shop is already in progress: ${gid("BulkOperation", running.id)}.`, code: "OPERATION_IN_PROGRESS" }] };
      }
      const invalid = bulkQueryError(args.query);
      if (invalid) return { bulkOperation: null, userErrors: [{ field: ["query"], message: invalid, code: "INVALID" }] };
      const id = ctx.sim.state.newId(ctx.shop);
      const op = { id, query: args.query, status: "CREATED" as const, createdAt: new Date(), completedAt: null, objectCount: 0, rootObjectCount: 0, jsonl: null, errorCode: null };
      ctx.shop.bulkOperations.set(id, op);
      ctx.sim.startBulkOperation(ctx.shop, id);
      return { bulkOperation: bulkOperationObject(ctx, op), userErrors: [] };
    },

    bulkOperationCancel: (args: { id: string }) => {
      const ref = parseGid(args.id, "BulkOperation");
      const op = ref ? ctx.shop.bulkOperations.get(ref.id) : undefined;
      if (!op) return { bulkOperation: null, userErrors: [{ field: ["id"], message: "Bulk operation does not exist" }] };
      if (op.status !== "CREATED" && op.status !== "RUNNING") {
        return { bulkOperation: bulkOperationObject(ctx, op), userErrors: [{ field: ["id"], message: `A bulk operation cannot be canceled when it is ${op.status.toLowerCase()}` }] };
      }
      op.status = "CANCELING";
      return { bulkOperation: bulkOperationObject(ctx, op), userErrors: [] };
    },

    appPurchaseOneTimeCreate: (args: { name: string; price: { amount: string; currencyCode: string }; returnUrl: string; test?: boolean | null }) => {
      const errors: UserError[] = [];
      if (!args.name.trim()) errors.push({ field: ["name"], message: "Name can't be blank" });
      if (!(Number(args.price.amount) >= 0.5)) errors.push({ field: ["price"], message: "Price must be at least 0.50" });
      if (!isHttpUrl(args.returnUrl)) errors.push({ field: ["returnUrl"], message: "Return url is invalid" });
      if (errors.length) return { appPurchaseOneTime: null, confirmationUrl: null, userErrors: errors };
      const id = nextPurchaseId(ctx);
      const purchase = {
        id,
        name: args.name,
        amount: Number(args.price.amount).toFixed(2),
        currencyCode: args.price.currencyCode,
        test: args.test ?? false,
        returnUrl: args.returnUrl,
        status: "PENDING" as const,
        createdAt: new Date(),
      };
      ctx.shop.purchases.set(id, purchase);
      return {
        appPurchaseOneTime: purchaseObject(ctx, purchase),
        confirmationUrl: `${ctx.sim.publicUrl()}/admin/charges/${ctx.shop.domain}/${id}/confirm`,
        userErrors: [],
      };
    },
  };
}
