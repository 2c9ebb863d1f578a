// A headquarters' map of every station's fleet (serve --hq; docs/api.md,
// "Federation"): each station's drones as the /ws/federation stream gives
// them (src/hq/stream.js), drawn with their station-qualified key (east/3);
// a drone whose last state is older than the server's bound is drawn as
// stale (grey, "stale 12 s" in its label), never as live. The newest
// detections of every station come from the same stream. On a server that
// is not a headquarters the layer stays empty. Station names and vehicle
// fields reach the page as text only (textContent).
import L from "leaflet";
import { effect } from "@preact/signals";
import { map } from "./map.js";
import { labelledDot } from "./labelled_dot.js";
import { hqVehicles, hqDetections, isHQ } from "../hq/stream.js";
import { hqSelected, selectRemote } from "../hq/stations.js";

const maxDetections = 200;

// Kept under their old names for the views and tests that read them.
export { hqVehicles as remoteVehicles, hqDetections as remoteDetections, isHQ };
export const stationsLayer = L.layerGroup().addTo(map);
const shown = new Map(); // key → {marker, el, text, tip}
const shownDetections = new Map(); // station/seq → circle marker

function label(v) {
  return v.stale ? `${v.key} stale ${Math.round(v.age_s || 0)} s` : v.key;
}

function tooltip(v) {
  const parts = [`station ${v.station}`, `vehicle ${v.id}`, v.mode || "", v.stale ? `no state for ${Math.round(v.age_s)} s` : "live"];
  if (typeof v.battery_pct === "number" && v.battery_pct >= 0) parts.push(`battery ${v.battery_pct} %`);
  return parts.filter(Boolean).join(" · ");
}

function syncVehicles(all) {
  for (const [key, s] of shown) {
    if (!all.has(key)) {
      s.marker.remove();
      shown.delete(key);
    }
  }
  for (const [key, v] of all) {
    if (typeof v.lat !== "number" || typeof v.lon !== "number" || !v.has_position) continue;
    let s = shown.get(key);
    if (!s) {
      s = labelledDot("bw-remote", [v.lat, v.lon]);
      s.el.dataset.key = key;
      s.marker.on("click", () => selectRemote(key));
      s.marker.addTo(stationsLayer);
      shown.set(key, s);
    }
    s.marker.setLatLng([v.lat, v.lon]);
    s.text.textContent = label(v);
    s.tip.textContent = tooltip(v);
    s.el.dataset.stale = v.stale ? "true" : "false";
    s.el.dataset.station = v.station;
  }
}

function syncDetections(list) {
  const keep = new Set();
  for (const d of list) {
    const id = `${d.station}/${d.seq}`;
    keep.add(id);
    if (shownDetections.has(id) || !d.data || typeof d.data.lat !== "number") continue;
    const c = L.circleMarker([d.data.lat, d.data.lon], { radius: 4, color: "#d81b60", weight: 1, fillOpacity: 0.7, className: "bw-remote-detection" });
    const tip = document.createElement("span");
    tip.textContent = `station ${d.station} · ${d.data.class || "detection"} · track ${d.data.track_id}`;
    c.bindTooltip(tip).addTo(stationsLayer);
    shownDetections.set(id, c);
  }
  for (const [id, c] of shownDetections) {
    if (!keep.has(id)) {
      c.remove();
      shownDetections.delete(id);
    }
  }
}

effect(() => syncVehicles(hqVehicles.value));
effect(() => {
  const sel = hqSelected.value;
  for (const [key, s] of shown) s.el.dataset.selected = key === sel ? "true" : "false";
});
effect(() => syncDetections(hqDetections.value.slice(0, maxDetections)));
