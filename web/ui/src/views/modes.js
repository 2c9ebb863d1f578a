// The flight modes an operator may pick, as the server names them for each
// vehicle's autopilot (GET /api/v1/vehicles/{id}/modes), fetched once per
// vehicle and autopilot and kept.
import { signal } from "@preact/signals";
import { api } from "../api.js";

// modeLists: Map vehicle id → list of settable mode names (absent until fetched).
export const modeLists = signal(new Map());
const asked = new Map(); // id → the autopilot/type the list was asked for

function want(v) {
  const key = `${v.autopilot}/${v.vehicle_type}`;
  if (asked.get(v.id) === key) return;
  asked.set(v.id, key);
  api("GET", `/api/v1/vehicles/${encodeURIComponent(v.id)}/modes`)
    .then((m) => {
      const next = new Map(modeLists.value);
      next.set(v.id, m.modes.filter((x) => x.settable).map((x) => x.name));
      modeLists.value = next;
    })
    .catch(() => asked.delete(v.id));
}

// commonModes: the modes every vehicle of a selection can be set to, in the
// first one's order (asks the server for the lists it does not have yet).
export function commonModes(vs) {
  if (!vs.length) return [];
  for (const v of vs) want(v);
  const lists = vs.map((v) => modeLists.value.get(v.id));
  if (lists.some((l) => !l)) return [];
  const sets = lists.map((l) => new Set(l));
  return lists[0].filter((m) => sets.every((s) => s.has(m)));
}
