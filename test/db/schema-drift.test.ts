import path from "node:path";
import { describe, expect, it } from "vitest";
import { useTestDb } from "../support/db";
import { readPrismaSchema } from "../support/prisma-schema";

// supabase/migrations is the source of truth; prisma/schema.prisma must describe the
// same tables, columns, types, nullability, keys and enums.

const h = useTestDb(2);
const schema = readPrismaSchema(path.resolve(import.meta.dirname, "../../prisma/schema.prisma"));

const scalarToPg: Record<string, string[]> = {
  String: ["text", "uuid", "character varying"],
  Int: ["integer", "smallint"],
  BigInt: ["bigint"],
  Boolean: ["boolean"],
  DateTime: ["timestamp with time zone"],
  Json: ["jsonb"],
  Decimal: ["numeric"],
};
const nativeToPg: Record<string, string> = {
  Uuid: "uuid",
  SmallInt: "smallint",
  Timestamptz: "timestamp with time zone",
  Decimal: "numeric",
};

interface Column {
  table: string;
  column: string;
  data_type: string;
  udt_name: string;
  is_nullable: "YES" | "NO";
}

describe("Prisma schema and migrations", () => {
  it("describe the same tables and columns", async () => {
    const columns = await h.prisma.$queryRaw<Column[]>`
      select c.table_name::text as "table", c.column_name::text as "column", c.data_type::text, c.udt_name::text, c.is_nullable::text
        from information_schema.columns c
        join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
       where c.table_schema = 'public' and t.table_type = 'BASE TABLE'`;
    const dbTables = new Set(columns.map((c) => c.table));
    const models = schema.models;
    expect(new Set(models.map((m) => m.table))).toEqual(dbTables);

    const problems: string[] = [];
    for (const model of models) {
      const table = model.table;
      const dbColumns = new Map(columns.filter((c) => c.table === table).map((c) => [c.column, c]));
      const scalarFields = model.fields;
      const prismaColumns = new Set(scalarFields.map((f) => f.column));
      for (const name of dbColumns.keys()) if (!prismaColumns.has(name)) problems.push(`${table}.${name} missing in Prisma`);
      for (const field of scalarFields) {
        const name = field.column;
        const col = dbColumns.get(name);
        if (!col) {
          problems.push(`${table}.${name} missing in migrations`);
          continue;
        }
        if ((col.is_nullable === "YES") !== field.optional) problems.push(`${table}.${name} nullability differs`);
        const enumDef = schema.enums.find((e) => e.name === field.type);
        if (enumDef) {
          const enumDb = enumDef.dbName;
          if (col.udt_name !== enumDb) problems.push(`${table}.${name} is ${col.udt_name}, Prisma says enum ${enumDb}`);
          continue;
        }
        if (field.list) {
          const element = { String: "_text", Int: "_int4", BigInt: "_int8", Boolean: "_bool" }[field.type];
          if (col.data_type !== "ARRAY" || col.udt_name !== element) problems.push(`${table}.${name} is ${col.udt_name}, Prisma says ${field.type}[]`);
          continue;
        }
        const native = field.native;
        const expected = native ? [nativeToPg[native] ?? native.toLowerCase()] : scalarToPg[field.type] ?? [];
        if (!native && field.type === "String" && col.data_type !== "text") {
          problems.push(`${table}.${name} is ${col.data_type}, Prisma says text`);
        } else if (!expected.includes(col.data_type)) {
          problems.push(`${table}.${name} is ${col.data_type}, Prisma says ${field.type}${native ? ` @db.${native}` : ""}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("agree on primary keys and enums", async () => {
    const pks = await h.prisma.$queryRaw<{ table: string; column: string }[]>`
      select tc.table_name::text as "table", kcu.column_name::text as "column"
        from information_schema.table_constraints tc
        join information_schema.key_column_usage kcu
          on kcu.constraint_name = tc.constraint_name and kcu.table_schema = tc.table_schema
       where tc.table_schema = 'public' and tc.constraint_type = 'PRIMARY KEY'`;
    for (const model of schema.models) {
      const idField = model.fields.find((f) => f.id);
      expect(pks.filter((p) => p.table === model.table).map((p) => p.column), model.table).toEqual([idField?.column]);
    }
    const enums = await h.prisma.$queryRaw<{ name: string; labels: string[] }[]>`
      select t.typname::text as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
        from pg_type t join pg_enum e on e.enumtypid = t.oid
        join pg_namespace n on n.oid = t.typnamespace
       where n.nspname = 'public' group by t.typname`;
    const fromPrisma = schema.enums.map((e) => ({ name: e.dbName, labels: e.values }));
    expect(new Map(fromPrisma.map((e) => [e.name, e.labels]))).toEqual(new Map(enums.map((e) => [e.name, e.labels])));
  });
});
