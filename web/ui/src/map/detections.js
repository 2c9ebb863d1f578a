// Detections on the map, above the drones: one icon per (vehicle, track)
// showing its class, the track's history as a line, faded once stale. The
// icon is built as DOM with textContent: a class name never becomes HTML.
import L from "leaflet";
import { effect } from "@preact/signals";
import { map, centreOn } from "./map.js";
import { detections, highlightedDetection, select } from "../state.js";
import { droneLayer } from "./drones.js";

export const detectionClasses = {
  // Letters, not emoji: a station without an emoji font shows empty boxes.
  person: { symbol: "P", color: "#e65100" },
  vehicle: { symbol: "V", color: "#6a1b9a" },
  boat: { symbol: "B", color: "#00838f" },
  animal: { symbol: "A", color: "#558b2f" },
  unknown: { symbol: "?", color: "#616161" },
};
export function detectionClass(c) {
  return detectionClasses[c] || detectionClasses.unknown;
}

export const detectionLayer = L.layerGroup().addTo(map);
const staleMs = 5 * 60 * 1000;
const shown = new Map(); // key → {marker, line, el}
// now() ages detections: the wall clock live, the replay clock in replay.
let now = () => Date.now();
export function setDetectionClock(fn) {
  now = fn;
}

function icon(d, key) {
  const cls = detectionClass(d.class);
  const el = document.createElement("div");
  el.className = "bw-detection";
  el.dataset.key = key;
  el.dataset.class = d.class;
  el.style.borderColor = cls.color;
  el.textContent = cls.symbol;
  return { el, icon: L.divIcon({ html: el, className: "bw-detection-icon", iconSize: [24, 24], iconAnchor: [12, 12] }) };
}

// A detection near a drone (the drone sees what is under it) must not
// make the drone unclickable: a click goes to whichever centre is nearer.
function onMarkerClick(e, key) {
  // Not e.containerPoint: for a marker Leaflet gives the marker's own point.
  const at = map.mouseEventToContainerPoint(e.originalEvent);
  const mine = map.latLngToContainerPoint(e.target.getLatLng());
  const id = droneLayer.hit(at, 14);
  const d = id != null ? droneLayer.canvas.bwDrawn.get(id) : null;
  if (d && Math.hypot(d.x - at.x, d.y - at.y) < Math.hypot(mine.x - at.x, mine.y - at.y)) {
    select([id], e.originalEvent && (e.originalEvent.shiftKey || e.originalEvent.ctrlKey || e.originalEvent.metaKey));
    return;
  }
  highlightedDetection.value = key;
}

// The drone layer draws each callsign clear of the detection icons (they
// are above the drones on purpose, so a label under one would not read).
droneLayer.labelObstacles = () => {
  const out = [];
  for (const s of shown.values()) {
    const p = map.latLngToContainerPoint(s.marker.getLatLng());
    out.push([p.x, p.y]);
  }
  return out;
};

function tooltip(d) {
  return `${d.class} ${d.confidence_pct}% · track ${d.track_id} · drone ${d.vehicle || d.sysid}`;
}

function sync(all) {
  for (const [key, s] of shown) {
    if (!all.has(key)) {
      s.marker.remove();
      s.line.remove();
      shown.delete(key);
    }
  }
  for (const [key, t] of all) {
    const d = t.last;
    const path = t.history.map((p) => [p[0], p[1]]);
    let s = shown.get(key);
    if (!s) {
      const { el, icon: ic } = icon(d, key);
      const line = L.polyline(path, { pane: "bw-detections", color: detectionClass(d.class).color, weight: 2, opacity: 0.7, dashArray: "4 4", interactive: false, className: "bw-track" });
      const marker = L.marker([d.lat, d.lon], { icon: ic, pane: "bw-detections", keyboard: false });
      // Tooltip text as a text node, not HTML.
      const tip = document.createElement("span");
      tip.textContent = tooltip(d);
      marker.bindTooltip(tip);
      marker.on("click", (e) => onMarkerClick(e, key));
      s = { marker, line, el, tip, cls: d.class };
      line.addTo(detectionLayer);
      marker.addTo(detectionLayer);
      shown.set(key, s);
    } else {
      s.marker.setLatLng([d.lat, d.lon]);
      s.line.setLatLngs(path);
      s.tip.textContent = tooltip(d);
      if (s.cls !== d.class) {
        const cls = detectionClass(d.class);
        s.el.textContent = cls.symbol;
        s.el.style.borderColor = cls.color;
        s.el.dataset.class = d.class;
        s.cls = d.class;
      }
    }
    s.seenAt = Date.parse(d.time);
  }
  fade();
  // The drones' labels step aside for the icons as they are now.
  droneLayer.redraw();
}

function fade() {
  const t = now();
  const hl = highlightedDetection.value;
  for (const [key, s] of shown) {
    s.el.classList.toggle("bw-detection-stale", t - s.seenAt > staleMs);
    s.el.classList.toggle("bw-detection-hl", key === hl);
    if (key === hl) s.marker.setZIndexOffset(1000);
    else s.marker.setZIndexOffset(0);
  }
}

effect(() => sync(detections.value));
effect(() => {
  highlightedDetection.value;
  fade();
});
setInterval(fade, 5000);

// zoomToDetection centres the map on a track and highlights it.
export function zoomToDetection(key) {
  const t = detections.value.get(key);
  if (!t) return;
  highlightedDetection.value = key;
  centreOn([t.last.lat, t.last.lon], Math.max(map.getZoom(), 16));
}
