// Undo/redo over plan snapshots. Plans are replaced, never mutated
// (model.js), so a snapshot is just the previous value.

export const HISTORY_LIMIT = 200;

export function newHistory(present) {
  return { past: [], present, future: [] };
}

// push records a new present; the redo list is dropped, as in every editor.
export function push(h, next) {
  if (next === h.present) return h;
  const past = [...h.past, h.present];
  if (past.length > HISTORY_LIMIT) past.shift();
  return { past, present: next, future: [] };
}

export function undo(h) {
  if (!h.past.length) return h;
  return { past: h.past.slice(0, -1), present: h.past[h.past.length - 1], future: [h.present, ...h.future] };
}

export function redo(h) {
  if (!h.future.length) return h;
  return { past: [...h.past, h.present], present: h.future[0], future: h.future.slice(1) };
}

// reset starts a new history (a plan opened, imported or generated).
export function reset(present) {
  return newHistory(present);
}
