// Validation as the plan is edited: one request at a time, sent a moment
// after the last edit (debounced), the older one cancelled, so dragging a
// waypoint across the map asks the server once, when it is dropped.
import { effect } from "@preact/signals";
import * as store from "./store.js";
import * as ep from "./endpoints.js";
import { isEmpty } from "./model.js";

export const VALIDATE_DELAY_MS = 350;

// startValidation watches the plan and returns a function that stops it.
export function startValidation() {
  let timer = 0;
  let ctrl = null;
  const stop = effect(() => {
    const p = store.plan.value;
    clearTimeout(timer);
    if (isEmpty(p)) {
      ctrl?.abort();
      store.validation.value = { problems: [], for: p, error: "", pending: false };
      return;
    }
    store.validation.value = { ...store.validation.peek(), pending: true };
    timer = setTimeout(async () => {
      ctrl?.abort();
      const mine = new AbortController();
      ctrl = mine;
      try {
        const ans = await ep.validate(p, mine.signal);
        if (mine.signal.aborted || store.plan.peek() !== p) return;
        const problems = Array.isArray(ans) ? ans : ans?.problems ?? [];
        store.validation.value = { problems, for: p, error: "", pending: false };
      } catch (err) {
        if (mine.signal.aborted || err?.name === "AbortError") return;
        store.validation.value = { problems: [], for: p, error: `validation: ${err.message}`, pending: false };
      }
    }, VALIDATE_DELAY_MS);
  });
  return () => {
    clearTimeout(timer);
    ctrl?.abort();
    stop();
  };
}
