// The fleet as the page knows it: every vehicle object from the live or the
// replay stream. The map's drone layer gets each update at once; the
// `vehicles` signal (lists, panels) is refreshed at most every 250 ms so
// that a thousand drones at 10 Hz do not re-render the lists 50 times a second.
import { vehicles, selected, focused, layers } from "./state.js";
import { droneLayer } from "./map/drones.js";
import { map } from "./map/map.js";

const store = new Map();
let framed = false;
let publishQueued = false;
const publishEveryMs = 250;

// applyVehicles takes the vehicle objects of one stream message and returns
// the vehicles' states as now held. An object with "motion": true carries a
// vehicle's motion only (the live stream's compact form, docs/api.md): it
// is merged into the state held, whose status the server knows we have.
export function applyVehicles(input) {
  if (!input || !input.length) return [];
  let list = input;
  if (input.some((u) => u && u.motion)) {
    list = [];
    for (const u of input) {
      if (!u.motion) {
        list.push(u);
        continue;
      }
      const held = store.get(u.id);
      if (!held) continue; // never: a vehicle's first state comes whole
      const v = { ...held, ...u };
      delete v.motion;
      list.push(v);
    }
  }
  for (const v of list) store.set(v.id, v);
  // Without GIS layers to frame the view, show the fleet where it is.
  if (!framed && !layers.value.length) {
    const v = list.find((x) => x.has_position);
    if (v) {
      framed = true;
      map.setView([v.lat, v.lon], Math.max(map.getZoom(), 13));
    }
  }
  droneLayer.update(list);
  if (!publishQueued) {
    publishQueued = true;
    setTimeout(() => {
      publishQueued = false;
      vehicles.value = new Map(store);
    }, publishEveryMs);
  }
  return list;
}

// clearVehicles forgets every vehicle (switching between live and replay).
export function clearVehicles() {
  store.clear();
  droneLayer.clear();
  vehicles.value = new Map();
  selected.value = new Set();
  focused.value = null;
}

selected.subscribe((ids) => droneLayer.setSelected(ids));
