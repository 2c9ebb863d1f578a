// The flight modes an operator may pick, as the server names them for each
// vehicle's autopilot (GET /api/v1/vehicles/{id}/modes, or for a station's
// vehicle at a headquarters the path its command target gives), fetched
// once per vehicle and autopilot and kept.
import { signal } from "@preact/signals";
import { api } from "../api.js";

// modeLists: Map vehicle id (or a station's vehicle's key) → list of
// settable mode names (absent until fetched).
export const modeLists = signal(new Map());
const asked = new Map(); // id → the autopilot/type the list was asked for

// localModes: where a local vehicle's modes are asked, and its key.
export const localModes = { path: (v) => `/api/v1/vehicles/${encodeURIComponent(v.id)}/modes`, key: (v) => v.id };

function want(v, from) {
  const id = from.key(v);
  const key = `${v.autopilot}/${v.vehicle_type}`;
  if (asked.get(id) === key) return;
  asked.set(id, key);
  api("GET", from.path(v))
    .then((m) => {
      const next = new Map(modeLists.value);
      next.set(id, m.modes.filter((x) => x.settable).map((x) => x.name));
      modeLists.value = next;
    })
    .catch(() => asked.delete(id));
}

// commonModes: the modes every vehicle of a selection can be set to, in the
// first one's order (asks the server for the lists it does not have yet).
export function commonModes(vs, from = localModes) {
  if (!vs.length) return [];
  for (const v of vs) want(v, from);
  const lists = vs.map((v) => modeLists.value.get(from.key(v)));
  if (lists.some((l) => !l)) return [];
  const sets = lists.map((l) => new Set(l));
  return lists[0].filter((m) => sets.every((s) => s.has(m)));
}
