// TAK markers on the map: the points TAK clients shared with us over
// Cursor-on-Target (markers, points of interest, a field team's own
// positions; GET /api/v1/tak/markers), polled while someone is logged in
// and removed once stale. Callsigns, types and remarks come from outside:
// they reach the page through textContent only, never as HTML. An operator
// can send a drone to a marker: the server takes the target's position from
// the marker it holds (tak_uid) and applies the planner's rules as for any
// point (a marker across the border is refused).
import L from "leaflet";
import { signal, effect } from "@preact/signals";
import { map } from "./map.js";
import { pollWhileWatching } from "./poll.js";
import { labelledDot } from "./labelled_dot.js";
import { fitTooltip } from "./tooltip_fit.js";
import { api } from "../api.js";
import { can } from "../state.js";
import { proposeDispatch } from "../views/senddrone.js";
import { activeTab } from "../app.js";

const pollMs = 5000;
// Without TAK input the server answers 503: ask again rarely (a restart
// with --cot-listen is an operator's act, not something to chase).
const idleMs = 60000;

// takMarkers: Map uid → marker (docs/api.md, GET /api/v1/tak/markers).
export const takMarkers = signal(new Map());
// takAvailable: whether the server has TAK input at all.
export const takAvailable = signal(false);
export const takLayer = L.layerGroup().addTo(map);
const shown = new Map(); // uid → {marker, el, text, tip, body}

// markerLabel is the text a marker is known by: its callsign, else its uid.
export function markerLabel(m) {
  return m.callsign || m.uid;
}

function tooltip(m) {
  const parts = [`TAK ${markerLabel(m)}`, m.type];
  if (m.remarks) parts.push(m.remarks);
  return parts.join(" · ");
}

// setMarkers replaces the layer's markers with list, less the stale ones.
export function setMarkers(list, now = Date.now()) {
  const next = new Map();
  for (const m of list) if (m && m.uid && Date.parse(m.stale) > now) next.set(m.uid, m);
  takMarkers.value = next;
}

function sendTo(m) {
  map.closePopup();
  activeTab.value = "detections"; // where the send-a-drone dialog lives
  proposeDispatch({ lat: m.lat, lon: m.lon, label: `TAK ${markerLabel(m)}`, tak_uid: m.uid });
}

function popup(s) {
  const box = document.createElement("div");
  box.className = "bw-tak-popup";
  const title = document.createElement("b");
  const body = document.createElement("div");
  box.append(title, body);
  if (can("command")) {
    const btn = document.createElement("button");
    btn.className = "bw-btn bw-btn-small bw-tak-send";
    btn.type = "button";
    btn.textContent = "Send a drone here";
    btn.addEventListener("click", () => sendTo(s.m));
    box.append(btn);
  }
  return { box, title, body };
}

function sync(all) {
  for (const [uid, s] of shown) {
    if (!all.has(uid)) {
      s.marker.remove();
      shown.delete(uid);
    }
  }
  for (const [uid, m] of all) {
    let s = shown.get(uid);
    if (!s) {
      s = labelledDot("bw-tak", [m.lat, m.lon], { pane: "bw-detections" });
      s.el.dataset.uid = uid;
      // Remarks may be long: the tooltip wraps (bw-tak-tooltip) and opens on
      // the side of the marker where it stays inside the map.
      s.marker.getTooltip().options.className = "bw-tak-tooltip";
      fitTooltip(map, s.marker);
      s.pop = popup(s);
      s.marker.bindPopup(s.pop.box);
      s.marker.addTo(takLayer);
      shown.set(uid, s);
    }
    s.m = m;
    s.marker.setLatLng([m.lat, m.lon]);
    s.text.textContent = markerLabel(m);
    s.tip.textContent = tooltip(m);
    s.pop.title.textContent = `TAK ${markerLabel(m)}`;
    s.pop.body.textContent = [m.type, m.remarks, `until ${new Date(m.stale).toLocaleTimeString([], { hour12: false })}`].filter(Boolean).join(" · ");
    s.el.dataset.type = m.type.startsWith("a-f") ? "friend" : m.type.startsWith("a-h") ? "hostile" : "other";
  }
}

effect(() => sync(takMarkers.value));

pollWhileWatching("TAK markers", {
  pollMs,
  idleMs,
  fetch: async () => {
    setMarkers(await api("GET", "/api/v1/tak/markers"));
    takAvailable.value = true;
  },
  onUnavailable: () => {
    takAvailable.value = false;
  },
  // Between answers, stale markers still go.
  onError: () => setMarkers([...takMarkers.value.values()]),
  stop: () => {
    takMarkers.value = new Map();
  },
});
