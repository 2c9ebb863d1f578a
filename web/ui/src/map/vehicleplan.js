// The focused vehicle's mission, fence and rally points, as the vehicle
// holds them (GET /api/v1/vehicles/{id}/plan downloads them), drawn on the
// map with the current leg of the mission highlighted. Plan texts reach the
// page only as tooltips built from text nodes.
import L from "leaflet";
import { signal, effect } from "@preact/signals";
import { map } from "./map.js";
import { api } from "../api.js";
import { focused, vehicles } from "../state.js";

// vehiclePlan: {id, plan, error, loading} for the focused vehicle.
export const vehiclePlan = signal(null);
const group = L.layerGroup().addTo(map);
const opts = { pane: "bw-plans", interactive: false };
let legLine = null;
let points = []; // mission items with a position: {lat, lon, index}

// planIndexOf is the index in the .plan's items of the vehicle's current
// item: the server already gives mission_seq in the plan's numbering for
// both autopilots (docs/api.md; mission_seq_autopilot is the raw one).
export function planIndexOf(v) {
  if (v.mission_seq == null || v.mission_seq < 0) return -1;
  return v.mission_seq;
}

function positioned(it, index) {
  const p = it.params || [];
  const lat = Number(p[4]);
  const lon = Number(p[5]);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || (lat === 0 && lon === 0)) return null;
  return { lat, lon, index };
}

function draw(plan) {
  group.clearLayers();
  legLine = null;
  points = [];
  if (!plan) return;
  const items = plan.mission?.items || [];
  items.forEach((it, i) => {
    const p = it.type === "SimpleItem" || it.params ? positioned(it, i) : null;
    if (p) points.push(p);
  });
  if (points.length > 1) L.polyline(points.map((p) => [p.lat, p.lon]), { ...opts, color: "#0277bd", weight: 2, className: "bw-plan-mission" }).addTo(group);
  for (const p of points) {
    L.circleMarker([p.lat, p.lon], { ...opts, radius: 5, color: "#0277bd", fillColor: "#fff", fillOpacity: 1, weight: 2, className: "bw-plan-item" }).addTo(group);
  }
  const fence = plan.geoFence || {};
  for (const poly of fence.polygons || []) {
    const inc = poly.inclusion !== false;
    L.polygon(poly.polygon || [], { ...opts, color: inc ? "#2e7d32" : "#c62828", weight: 2, fillOpacity: inc ? 0.04 : 0.15, dashArray: inc ? null : "6 4", className: inc ? "bw-plan-fence-inc" : "bw-plan-fence-exc" }).addTo(group);
  }
  for (const c of fence.circles || []) {
    const inc = c.inclusion !== false;
    const center = c.circle?.center;
    if (!center) continue;
    L.circle(center, { ...opts, radius: c.circle.radius, color: inc ? "#2e7d32" : "#c62828", weight: 2, fillOpacity: inc ? 0.04 : 0.15, className: inc ? "bw-plan-fence-inc" : "bw-plan-fence-exc" }).addTo(group);
  }
  for (const r of plan.rallyPoints?.points || []) {
    L.circleMarker([r[0], r[1]], { ...opts, radius: 6, color: "#6d4c41", fillColor: "#ffcc80", fillOpacity: 1, weight: 2, className: "bw-plan-rally" }).addTo(group);
  }
}

// highlightLeg draws the leg the vehicle flies now: from the item before
// the current one to the current one.
function highlightLeg(current) {
  if (legLine) {
    legLine.remove();
    legLine = null;
  }
  const k = points.findIndex((p) => p.index === current);
  if (k < 0) return;
  const from = k > 0 ? points[k - 1] : null;
  const ll = from ? [[from.lat, from.lon], [points[k].lat, points[k].lon]] : [[points[k].lat, points[k].lon], [points[k].lat, points[k].lon]];
  legLine = L.polyline(ll, { ...opts, color: "#ffd600", weight: 6, opacity: 0.9, className: "bw-plan-leg" }).addTo(group);
}

let loadSeq = 0;
// loadVehiclePlan downloads the plan of vehicle id from the vehicle.
export async function loadVehiclePlan(id) {
  const seq = ++loadSeq;
  vehiclePlan.value = { id, plan: vehiclePlan.peek()?.id === id ? vehiclePlan.peek().plan : null, loading: true };
  try {
    const plan = await api("GET", `/api/v1/vehicles/${encodeURIComponent(id)}/plan`);
    if (seq === loadSeq) vehiclePlan.value = { id, plan, loading: false };
  } catch (err) {
    if (seq === loadSeq) vehiclePlan.value = { id, plan: null, error: err.message, loading: false };
  }
}

effect(() => {
  const id = focused.value;
  if (id == null) {
    loadSeq++;
    vehiclePlan.value = null;
    return;
  }
  if (vehiclePlan.peek()?.id !== id) loadVehiclePlan(id);
});
effect(() => draw(vehiclePlan.value?.plan));
effect(() => {
  const vp = vehiclePlan.value;
  const v = vp && vehicles.value.get(vp.id);
  if (v && vp.plan) highlightLeg(planIndexOf(v));
});
