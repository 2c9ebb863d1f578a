// Borderwatch live map: GIS layers held by the server (no tiles, so it works
// offline) and the fleet from /ws/live.
import L from "leaflet";

const map = L.map("map", { zoomControl: true, preferCanvas: false }).setView([31.35, -110.95], 12);
L.control.scale({ imperial: false }).addTo(map);

const layerStyles = {
  border: { color: "#c62828", weight: 3, dashArray: "8 6", className: "bw-layer-border" },
  own_territory: { color: "#2e7d32", weight: 1, fillOpacity: 0.08, className: "bw-layer-own_territory" },
  no_fly: { color: "#6a1b9a", weight: 2, fillOpacity: 0.2, className: "bw-layer-no_fly" },
  patrol_sector: { color: "#1565c0", weight: 1, fillOpacity: 0.05, className: "bw-layer-patrol_sector" },
  unclassified: { color: "#555", weight: 1, fillOpacity: 0.05, className: "bw-layer-unclassified" },
};

async function getJSON(url) {
  const res = await fetch(url, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

async function loadLayers() {
  const layers = await getJSON("/api/v1/layers");
  const control = L.control.layers(null, { Detections: detectionLayer }, { collapsed: true }).addTo(map);
  let bounds = null;
  // Own territory first so that border lines are drawn on top of it.
  layers.sort((a, b) => (a.kind === "border") - (b.kind === "border"));
  for (const info of layers) {
    const fc = await getJSON(`/api/v1/layers/${encodeURIComponent(info.id)}`);
    const style = layerStyles[info.kind] || layerStyles.unclassified;
    const layer = L.geoJSON(fc, { style: () => style, interactive: false }).addTo(map);
    control.addOverlay(layer, info.name);
    const b = layer.getBounds();
    if (b.isValid()) bounds = bounds ? bounds.extend(b) : b;
  }
  if (bounds && !haveVehicles) map.fitBounds(bounds, { maxZoom: 13 });
}

// One marker per vehicle: an arrow rotated to its heading.
const markers = new Map();
let haveVehicles = false;

function droneIcon(v) {
  const html =
    `<svg width="28" height="28" viewBox="-14 -14 28 28" style="transform: rotate(${v.heading_deg}deg)">` +
    `<path d="M0,-12 L8,10 L0,5 L-8,10 Z" fill="#0d47a1" stroke="#fff" stroke-width="1.5"/></svg>` +
    `<span class="bw-drone-label">${v.id}</span>`;
  return L.divIcon({
    html,
    className: `bw-drone${v.link_ok ? "" : " bw-drone-lost"}`,
    iconSize: [28, 28],
    iconAnchor: [14, 14],
  });
}

function updateVehicle(v) {
  if (!v.has_position) return;
  let m = markers.get(v.sysid);
  if (!m) {
    m = L.marker([v.lat, v.lon], { icon: droneIcon(v), title: `Vehicle ${v.sysid}`, keyboard: false }).addTo(map);
    m.getElement().dataset.sysid = v.sysid;
    markers.set(v.sysid, m);
    if (!haveVehicles) {
      haveVehicles = true;
      map.setView([v.lat, v.lon], Math.max(map.getZoom(), 13));
    }
  } else {
    m.setLatLng([v.lat, v.lon]);
    const el = m.getElement();
    const svg = el.querySelector("svg");
    svg.style.transform = `rotate(${v.heading_deg}deg)`;
    el.classList.toggle("bw-drone-lost", !v.link_ok);
  }
}

const fleet = new Map();
function renderFleet() {
  const body = document.getElementById("bw-fleet-body");
  const rows = [...fleet.values()].sort((a, b) => a.sysid - b.sysid).map((v) => {
    const tr = document.createElement("tr");
    tr.dataset.sysid = v.sysid;
    const cells = [
      v.sysid,
      `${v.mode}${v.armed ? " ⚡" : ""}`,
      v.rel_alt_m.toFixed(0),
      v.groundspeed_m_s.toFixed(1),
      v.battery_pct < 0 ? "–" : `${v.battery_pct}%`,
      v.link_ok ? "ok" : "LOST",
    ];
    for (const c of cells) {
      const td = document.createElement("td");
      td.textContent = c;
      tr.appendChild(td);
    }
    if (!v.link_ok) tr.lastChild.className = "bw-lost";
    return tr;
  });
  if (rows.length) body.replaceChildren(...rows);
}

let renderQueued = false;
function onVehicles(list) {
  for (const v of list) {
    fleet.set(v.sysid, v);
    updateVehicle(v);
  }
  if (!renderQueued) {
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      renderFleet();
    });
  }
}

// Detections: one marker per (vehicle, track), moved as the track updates,
// faded once stale. Class decides the colour.
const detectionColors = { person: "#e65100", vehicle: "#6a1b9a", boat: "#00838f", animal: "#558b2f", unknown: "#616161" };
const detections = new Map();
const detectionLayer = L.layerGroup().addTo(map);
const staleDetectionMs = 5 * 60 * 1000;

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
  m.lastSeen = Date.now();
  const el = m.getElement();
  if (el) el.dataset.track = key;
  document.getElementById("bw-detection-count").textContent = String(detections.size);
}

setInterval(() => {
  const now = Date.now();
  for (const m of detections.values()) {
    if (now - m.lastSeen > staleDetectionMs) m.setStyle({ fillOpacity: 0.25 });
  }
}, 10000);

// Alerts and status texts, newest first, at most 50 kept on screen.
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

function onEvents(events) {
  for (const { type, event } of events) {
    if (type === "detection") onDetection(event);
    else if (type === "alert" || (type === "status_text" && event.severity <= 4)) onAlert(type, event);
  }
}

function connectLive(delay = 500) {
  const conn = document.getElementById("bw-conn");
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(`${proto}//${location.host}/ws/live`);
  ws.onopen = () => {
    conn.textContent = "live";
    conn.className = "bw-conn bw-conn-up";
    delay = 500;
  };
  ws.onmessage = (ev) => {
    const msg = JSON.parse(ev.data);
    if (msg.type === "vehicles") onVehicles(msg.vehicles);
    else if (msg.type === "events") onEvents(msg.events);
  };
  ws.onclose = () => {
    conn.textContent = "reconnecting…";
    conn.className = "bw-conn bw-conn-down";
    setTimeout(() => connectLive(Math.min(delay * 2, 10000)), delay);
  };
}

loadLayers().catch((err) => {
  const conn = document.getElementById("bw-conn");
  conn.textContent = `layers: ${err.message}`;
});
connectLive();
