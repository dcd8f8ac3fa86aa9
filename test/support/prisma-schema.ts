import { readFileSync } from "node:fs";

// A reader for the subset of Prisma schema syntax prisma/schema.prisma uses. The
// runtime DMMF of the generated client omits native types, nullability and maps,
// which is exactly what the drift test must compare.

export interface SchemaField {
  name: string;
  column: string;
  type: string;
  optional: boolean;
  list: boolean;
  id: boolean;
  native?: string;
}
export interface SchemaModel {
  name: string;
  table: string;
  fields: SchemaField[];
}
export interface SchemaEnum {
  name: string;
  dbName: string;
  values: string[];
}

export function readPrismaSchema(path: string): { models: SchemaModel[]; enums: SchemaEnum[] } {
  const text = readFileSync(path, "utf8").replace(/\/\/.*$/gm, "");
  const blocks = [...text.matchAll(/^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm)];
  const enums: SchemaEnum[] = blocks
    .filter((b) => b[1] === "enum")
    .map(([, , name, body]) => ({
      name: name!,
      dbName: /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? name!,
      values: body!.split("\n").map((l) => l.trim()).filter((l) => /^\w+$/.test(l)),
    }));
  const enumNames = new Set(enums.map((e) => e.name));
  const scalars = new Set(["String", "Int", "BigInt", "Boolean", "DateTime", "Json", "Decimal", "Float", "Bytes"]);
  const models: SchemaModel[] = blocks
    .filter((b) => b[1] === "model")
    .map(([, , name, body]) => {
      const fields: SchemaField[] = [];
      for (const raw of body!.split("\n")) {
        const line = raw.trim();
        const m = /^(\w+)\s+(\w+)(\[\])?(\?)?(.*)$/.exec(line);
        if (!m || line.startsWith("@@")) continue;
        const [, fieldName, type, list, optional, rest] = m;
        if (!scalars.has(type!) && !enumNames.has(type!)) continue; // relation field
        fields.push({
          name: fieldName!,
          column: /@map\("([^"]+)"\)/.exec(rest!)?.[1] ?? fieldName!,
          type: type!,
          optional: optional === "?",
          list: list === "[]",
          id: /@id\b/.test(rest!),
          native: /@db\.(\w+)/.exec(rest!)?.[1],
        });
      }
      return { name: name!, table: /@@map\("([^"]+)"\)/.exec(body!)?.[1] ?? name!, fields };
    });
  return { models, enums };
}
