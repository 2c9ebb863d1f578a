// What the replay draws on the map besides the drones and detections (which
// the shared layers draw from the stream): each drone's trail up to the
// replay instant, the plan each drone was flying (the last version uploaded
// to it before the sortie ended, from the plan library's upload records),
// and the view fitted to the sortie once positions arrive.
import L from "leaflet";
import { effect } from "@preact/signals";
import { map } from "../map/map.js";
import { api } from "../api.js";
import { series, seriesVersion, sortie, onReset } from "./session.js";
import { droneColor } from "./plots.js";

const trails = L.layerGroup().addTo(map);
const plans = L.layerGroup().addTo(map);
const lines = new Map(); // vehicle id → polyline
let fitted = false;
// autoFit: the view follows the sortie until the supervisor moves the map.
let autoFit = true;
let fitting = false;
map.on("dragstart", () => (autoFit = false));
map.on("zoomstart", () => {
  if (!fitting) autoFit = false;
});

// flownPlans: [{id, plan, version, time, user}] of the open sortie.
export let flownPlans = [];

function trailOf(s) {
  const out = [];
  for (let i = 0; i < s.t.length; i++) if (s.lat[i] !== null) out.push([s.lat[i], s.lon[i]]);
  return out;
}

function redrawTrails() {
  for (const [id, s] of series) {
    const ll = trailOf(s);
    let line = lines.get(id);
    if (!line) {
      line = L.polyline([], { pane: "bw-plans", color: droneColor(id), weight: 2.5, opacity: 0.8, interactive: false, className: "bw-replay-trail" }).addTo(trails);
      lines.set(id, line);
    }
    line.setLatLngs(ll);
  }
  for (const [id, line] of lines) {
    if (!series.has(id)) {
      line.remove();
      lines.delete(id);
    }
  }
}

// fitTo fits the map to the positions of the vehicles and trails (false when none).
export function fitTo(vehicleList = []) {
  const pts = [];
  for (const v of vehicleList) if (v.has_position && Number.isFinite(v.lat)) pts.push([v.lat, v.lon]);
  for (const s of series.values()) pts.push(...trailOf(s));
  for (const l of plans.getLayers()) if (l.getBounds) pts.push(l.getBounds().getCenter());
  if (!pts.length) return false;
  const b = L.latLngBounds(pts);
  fitting = true;
  // Callsigns are drawn to the right of their drones (and further right
  // past a detection icon): room for them beside the easternmost drone.
  map.fitBounds(b.pad(0.2), { maxZoom: 16, animate: false, paddingBottomRight: [90, 0] });
  fitting = false;
  return true;
}

let trailTimer = null;
effect(() => {
  seriesVersion.value;
  if (trailTimer) return;
  trailTimer = setTimeout(() => {
    trailTimer = null;
    redrawTrails();
    // The first positions of the sortie: bring it on screen (an imported log
    // may be anywhere on Earth); later, keep every drone in view until the
    // supervisor moves the map.
    if (!sortie.peek() || !series.size) return;
    if (!fitted) fitted = fitTo([]);
    else if (autoFit && !allInView()) fitTo([]);
  }, 200);
});

// allInView: every drone's last position is inside the map's view, away from its edges.
function allInView() {
  const b = map.getBounds().pad(-0.1);
  for (const s of series.values()) {
    for (let i = s.t.length - 1; i >= 0; i--) {
      if (s.lat[i] === null) continue;
      if (!b.contains([s.lat[i], s.lon[i]])) return false;
      break;
    }
  }
  return true;
}

onReset((_, list) => {
  redrawTrails();
  if (!fitted) fitted = fitTo(list);
});

// drawPlan draws a plan (the server's plan model, missions.Plan as JSON):
// the mission's positions as a dashed line, fence polygons (vertices are
// [lon, lat]) and circles.
function drawPlan(p, id) {
  const color = droneColor(id);
  const opts = { pane: "bw-plans", interactive: true };
  const pts = (p.mission || [])
    .map((it) => it.params || [])
    .map((pr) => [Number(pr[4]), Number(pr[5])])
    .filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b) && !(a === 0 && b === 0));
  const group = L.layerGroup().addTo(plans);
  if (pts.length) {
    const line = L.polyline(pts, { ...opts, color, weight: 2, dashArray: "8 6", opacity: 0.9, className: "bw-replay-plan" }).addTo(group);
    // Plan names come from outside: Leaflet's tooltip takes a DOM node built with textContent.
    const tip = document.createElement("span");
    tip.textContent = `drone ${id} flew ${flownPlans.find((f) => f.id === id)?.label || "a plan"}`;
    line.bindTooltip(tip, { sticky: true });
  }
  const fenceStyle = (incl) => ({ ...opts, interactive: false, color: incl ? "#2e7d32" : "#c62828", weight: 1.5, fillOpacity: 0.03, className: "bw-replay-fence" });
  for (const poly of p.fence?.polygons || []) {
    L.polygon((poly.vertices || []).map(([lon, lat]) => [lat, lon]), fenceStyle(poly.inclusion)).addTo(group);
  }
  for (const c of p.fence?.circles || []) {
    if (c.center) L.circle([c.center[1], c.center[0]], { ...fenceStyle(c.inclusion), radius: c.radius_m }).addTo(group);
  }
}

// loadFlownPlans draws, for each drone of the sortie (the whole fleet with
// fleet), the plan it was flying: the last version uploaded to it and
// verified before the sortie ended (GET /api/v1/sorties/{id}/plans, one
// request).
export async function loadFlownPlans(s, fleet) {
  plans.clearLayers();
  flownPlans = [];
  let list = [];
  try {
    list = await api("GET", `/api/v1/sorties/${s.id}/plans${fleet ? "?fleet=1" : ""}`);
  } catch {
    return [];
  }
  if (sortie.peek() !== s) return [];
  for (const { upload: u, plan } of list) {
    if (!plan) continue; // a version that no longer reads: nothing to draw
    const id = u.vehicle || u.sysid; // records from before vehicle ids have only the system id
    flownPlans.push({ id, plan: u.plan, version: u.version, time: u.time, user: u.user, label: `${u.plan} v${u.version}` });
    drawPlan(plan, id);
  }
  return flownPlans;
}

export function clearReplayMap() {
  trails.clearLayers();
  lines.clear();
  plans.clearLayers();
  flownPlans = [];
  fitted = false;
  autoFit = true;
}
