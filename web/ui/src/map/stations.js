// A headquarters' map of every station's fleet (serve --hq; docs/api.md,
// "Federation"): each station's drones polled from
// GET /api/v1/federation/vehicles and drawn with their station-qualified key
// (east/3); a drone whose last state is older than the server's bound is
// drawn as stale (grey, "stale" in its label), never as live. The newest
// detections of every station come from GET /api/v1/federation/detections.
// On a server that is not a headquarters the routes answer 503 and the
// layer stays empty. Station names and vehicle fields reach the page as
// text only (textContent).
import L from "leaflet";
import { signal, effect } from "@preact/signals";
import { map } from "./map.js";
import { pollWhileWatching } from "./poll.js";
import { labelledDot } from "./labelled_dot.js";
import { api } from "../api.js";

const pollMs = 1000;
// Not a headquarters: ask again rarely (that is set at the server's start).
const idleMs = 60000;
const maxDetections = 200;

// remoteVehicles: Map key → vehicle as the HQ shows it.
export const remoteVehicles = signal(new Map());
// remoteDetections: the newest detections of every station.
export const remoteDetections = signal([]);
// isHQ: whether this server is a headquarters.
export const isHQ = signal(false);
export const stationsLayer = L.layerGroup().addTo(map);
const shown = new Map(); // key → {marker, el, text, tip}
const shownDetections = new Map(); // station/seq → circle marker

function label(v) {
  return v.stale ? `${v.key} stale` : v.key;
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

effect(() => syncVehicles(remoteVehicles.value));
effect(() => syncDetections(remoteDetections.value));

pollWhileWatching("stations", {
  pollMs,
  idleMs,
  fetch: async () => {
    const vs = await api("GET", "/api/v1/federation/vehicles");
    remoteVehicles.value = new Map(vs.map((v) => [v.key, v]));
    remoteDetections.value = (await api("GET", "/api/v1/federation/detections")).slice(-maxDetections);
    isHQ.value = true;
  },
  onUnavailable: () => {
    isHQ.value = false;
  },
  stop: () => {
    remoteVehicles.value = new Map();
    remoteDetections.value = [];
  },
});
