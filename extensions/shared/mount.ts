// Entries render through here so that every module of an extension, its own and the
// shared ones, uses the one copy of Preact (hooks break across two copies).
import "@shopify/ui-extensions/preact";
import { render, type VNode } from "preact";

export function mount(app: VNode): void {
  render(app, document.body);
}
