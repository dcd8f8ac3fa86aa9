import { useCallback, useState } from "react";

/** Which photos the merchant ticked for a bulk decision. */
export function useSelection() {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const onSelect = useCallback((id: string, checked: boolean) => {
    setSelected((current) => {
      const next = new Set(current);
      if (checked) next.add(id);
      else next.delete(id);
      return next;
    });
  }, []);
  const onSelection = useCallback((ids: string[]) => setSelected(new Set(ids)), []);
  return { selected, onSelect, onSelection };
}
