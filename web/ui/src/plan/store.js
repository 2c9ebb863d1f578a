// The planning views' shared state: the plan being edited with its
// undo/redo history, what is selected, the server's validation problems and
// the editing mode. Views read the signals; edits go through edit(), so
// every change is one undo step.
import { signal, computed } from "@preact/signals";
import { emptyPlan, normalize } from "./model.js";
import * as H from "./history.js";

export const history = signal(H.newHistory(emptyPlan()));
export const plan = computed(() => history.value.present);

// The library entry the plan was opened from or saved as ({id, version}),
// null for a new plan.
export const libraryRef = signal(null);

// selection: {kind: "item"|"polygon"|"circle"|"rally"|"home", index} or null.
export const selection = signal(null);

// problems: the server's last validation answer for the plan shown
// ({problems: [...], plan: the plan it was for}), or an error text.
export const validation = signal({ problems: [], for: null, error: "" });

// mode: "select", "waypoint", "rally", "polygon-incl", "polygon-excl",
// "circle-incl", "circle-excl", "home".
export const mode = signal("select");

// status: one line of feedback where the operator looks ({text, kind}).
export const status = signal({ text: "", kind: "" });

// edit applies fn(plan) → plan as one undo step.
export function edit(fn) {
  const next = fn(history.value.present);
  if (!next || next === history.value.present) return;
  history.value = H.push(history.value, next);
}

export function undo() {
  history.value = H.undo(history.value);
  selection.value = null;
}

export function redo() {
  history.value = H.redo(history.value);
  selection.value = null;
}

// load replaces the plan (opened, imported, generated, downloaded) and
// starts a new history.
export function load(p, ref = null) {
  history.value = H.reset(normalize(p));
  libraryRef.value = ref;
  selection.value = null;
}

export function say(text, kind = "info") {
  status.value = { text, kind };
}
