// Events on the map and beside it: detections as markers per (vehicle,
// track), coloured by class and faded once stale; alerts and serious status
// texts in a list, newest first.
import L from "leaflet";
import { map } from "./map.js";

const detectionColors = { person: "#e65100", vehicle: "#6a1b9a", boat: "#00838f", animal: "#558b2f", unknown: "#616161" };
const detections = new Map();
export const detectionLayer = L.layerGroup().addTo(map);
const staleDetectionMs = 5 * 60 * 1000;
// now() is the clock detections are aged by: the wall clock live, the replay clock in replay.
let now = () => Date.now();

export function setEventClock(fn) {
  now = fn;
}

function onDetection(d) {
  const key = `${d.sysid}/${d.track_id}`;
  const color = detectionColors[d.class] || detectionColors.unknown;
  const label = `${d.class} ${d.confidence_pct}% · track ${d.track_id} · drone ${d.sysid}`;
  let m = detections.get(key);
  if (!m) {
    m = L.circleMarker([d.lat, d.lon], { radius: 7, color: "#fff", weight: 2, fillColor: color, fillOpacity: 0.9, className: "bw-detection" });
    m.bindTooltip(label);
    m.addTo(detectionLayer);
    detections.set(key, m);
  } else {
    m.setLatLng([d.lat, d.lon]);
    m.setStyle({ fillColor: color, fillOpacity: 0.9 });
    m.setTooltipContent(label);
  }
  m.seenAt = Date.parse(d.time);
  document.getElementById("bw-detection-count").textContent = String(detections.size);
}

setInterval(() => {
  const t = now();
  for (const m of detections.values()) {
    if (t - m.seenAt > staleDetectionMs) m.setStyle({ fillOpacity: 0.25 });
  }
}, 2000);

const severityNames = ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"];
function onAlert(type, a) {
  const list = document.getElementById("bw-alerts");
  list.querySelector(".bw-empty")?.remove();
  const li = document.createElement("li");
  const sev = a.severity ?? 6;
  li.className = `bw-alert bw-sev-${sev <= 2 ? "high" : sev <= 4 ? "mid" : "low"}`;
  li.dataset.type = type;
  const time = new Date(a.time).toLocaleTimeString();
  const what = type === "alert" ? a.type.replace(/_/g, " ") : "status";
  li.textContent = `${time} · drone ${a.sysid} · ${severityNames[sev] || ""} ${what}: ${a.text}`;
  list.prepend(li);
  while (list.children.length > 50) list.lastChild.remove();
}

export function onEvents(events) {
  for (const { type, event } of events || []) {
    if (type === "detection") onDetection(event);
    else if (type === "alert" || (type === "status_text" && event.severity <= 4)) onAlert(type, event);
  }
}

// clearEvents forgets detections and alerts (switching between live and replay).
export function clearEvents() {
  detectionLayer.clearLayers();
  detections.clear();
  document.getElementById("bw-detection-count").textContent = "0";
  document.getElementById("bw-alerts").innerHTML = '<li class="bw-empty">No alert.</li>';
}
