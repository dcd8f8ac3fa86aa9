import type { TestProject } from "vitest/node";
import { DEFAULT_DATABASE_URL } from "../../app/lib/env-schema";
import { ensureTestTemplate } from "../../scripts/lib/schema";

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
    baseDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const baseDatabaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
  project.provide("templateDatabase", await ensureTestTemplate(baseDatabaseUrl));
  project.provide("baseDatabaseUrl", baseDatabaseUrl);
}
