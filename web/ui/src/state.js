// The UI's shared state as signals (@preact/signals). Views read them and
// re-render; the live and replay streams and the API calls write them.
import { signal, computed } from "@preact/signals";

// user: {name, role, permissions: [...]} once logged in, null before.
export const user = signal(null);
// sessionChecked: the first GET /api/v1/session has answered (no login flash).
export const sessionChecked = signal(false);

// vehicles: Map id → vehicle object (docs/api.md), replaced at most a few
// times a second for lists and panels. The map's drone layer reads every
// update directly (src/map/drones.js) and does not wait for this signal.
export const vehicles = signal(new Map());
// selected: Set of vehicle ids selected on the list or the map.
export const selected = signal(new Set());
// focused: the vehicle whose panel is open (the last one selected), or null.
export const focused = signal(null);

// alerts: list of alert objects, newest first, one per alert.
export const alerts = signal([]);
// eventsMissed: live events the server let go because this page read too
// slowly, and the re-read that recovers them (src/missed.js): null, or
// {count, since (ms, server time, or null for the last 12 h), state:
// "waiting"|"reading"|"done"|"failed", at (ms, when it was re-read), error}.
export const eventsMissed = signal(null);
// detections: Map "vehicle/track" → {last detection, history: [[lat, lon, time]…]}.
export const detections = signal(new Map());
// highlightedDetection: the key of the detection the list zoomed to.
export const highlightedDetection = signal(null);
// layers: the GIS layers' summaries from GET /api/v1/layers, with .visible.
export const layers = signal([]);

// connection: "connecting", "live", "reconnecting", "replay", "offline".
export const connection = signal("connecting");
// mode: "live" or "replay" (the replay tab switches it).
export const mode = signal("live");
// notices: the last answers of vehicles and the server the operator must see.
export const notices = signal([]);

export const permissions = computed(() => new Set(user.value?.permissions || []));

export function can(perm) {
  return perm === "public" || permissions.value.has(perm);
}

let noticeSeq = 0;
// notify shows a line in the notice area: kind "ok", "error" or "info".
export function notify(kind, text) {
  const n = { id: ++noticeSeq, kind, text, time: new Date() };
  notices.value = [n, ...notices.value].slice(0, 8);
  return n;
}

export function dismissNotice(id) {
  notices.value = notices.value.filter((n) => n.id !== id);
}

// select makes ids the selection (additive adds to it or toggles) and opens the panel.
export function select(ids, additive = false) {
  const next = new Set(additive ? selected.value : []);
  for (const id of ids) {
    if (additive && next.has(id) && ids.length === 1) next.delete(id);
    else next.add(id);
  }
  selected.value = next;
  focused.value = ids.length && next.has(ids[ids.length - 1]) ? ids[ids.length - 1] : [...next].pop() ?? null;
}

export function clearSelection() {
  selected.value = new Set();
  focused.value = null;
}
