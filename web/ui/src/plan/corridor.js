// Pure helpers of the corridor-patrol wizard: the request the server's
// corridor planner takes, and reading its answer into what the preview
// draws (legs by drone, their fences and rally points, revisit times).
import { fromQGC } from "./model.js";

export const DRONE_COLOURS = ["#1565c0", "#e65100", "#2e7d32", "#6a1b9a", "#c2185b", "#00838f", "#5d4037", "#9e9d24", "#283593", "#ad1457"];

export function droneColour(drone) {
  return DRONE_COLOURS[(Math.max(1, drone) - 1) % DRONE_COLOURS.length];
}

export const DEFAULTS = {
  side: "left",
  standoff_m: 500,
  lanes: 1,
  lane_spacing_m: 500,
  alt_m: 120,
  drones: 2,
  speed_m_s: 15,
  endurance_min: 60,
  reserve_pct: 20,
};

// request builds the server's corridor request (planner.CorridorRequest)
// from the wizard's form. Points are {lat, lon}.
export function request(form) {
  const req = {
    border_layer: form.border,
    side: form.side,
    standoff_m: Number(form.standoff_m),
    lanes: Number(form.lanes),
    lane_spacing_m: Number(form.lane_spacing_m),
    alt_m: Number(form.alt_m),
    drones: Number(form.drones),
    speed_m_s: Number(form.speed_m_s),
    endurance_s: Math.round(Number(form.endurance_min) * 60),
    reserve_frac: Number(form.reserve_pct) / 100,
    firmware: form.firmware ?? "ardupilot",
  };
  if (form.from && form.to) {
    req.from = { lat: form.from.lat, lon: form.from.lon };
    req.to = { lat: form.to.lat, lon: form.to.lon };
  }
  if (form.sites?.length) req.sites = form.sites.map((s, i) => ({ name: s.name || `site ${i + 1}`, lat: s.lat, lon: s.lon }));
  if (form.no_fly?.length) req.no_fly_layers = form.no_fly;
  return req;
}

// check returns what is wrong with the form before it is sent, or "".
export function check(form) {
  if (!form.border) return "Pick a border layer.";
  if ((form.from && !form.to) || (!form.from && form.to)) return "Click the second end of the border section (or patrol the whole border).";
  const pos = { standoff_m: "Standoff", alt_m: "Altitude", speed_m_s: "Speed", endurance_min: "Endurance" };
  for (const [k, name] of Object.entries(pos)) if (!(Number(form[k]) > 0)) return `${name} must be above 0.`;
  if (!(Number(form.drones) >= 1)) return "At least one drone.";
  if (!(Number(form.lanes) >= 1)) return "At least one lane.";
  return "";
}

const pt = (p) => (Array.isArray(p) ? { lat: p[1], lon: p[0] } : { lat: p.lat, lon: p.lon });

// preview reads the planner's answer (planner.CorridorResult): every leg
// with its route, patrolled stretch, drone and plan (its .plan, read into
// the model: fence and rally points), the drones with their legs in turn,
// the launch sites, and the revisit times.
export function preview(ans) {
  const cp = ans.corridor ?? {};
  const sum = ans.summary ?? {};
  const legs = (cp.legs ?? []).map((l, i) => {
    const file = (ans.plans ?? []).find((p) => p.leg === i + 1);
    const ls = (sum.legs ?? []).find((x) => x.leg === i + 1) ?? {};
    return {
      index: i,
      lane: l.lane,
      drone: l.drone,
      route: (l.route ?? []).map(pt),
      patrol: (l.patrol ?? []).map(pt),
      patrol_m: l.patrol_m,
      flight_m: l.flight_m,
      flight_s: l.flight_s,
      min_border_dist_m: l.min_border_dist_m,
      fence_min_border_dist_m: ls.fence_min_border_dist_m,
      site: ls.site ?? "",
      name: file?.name ?? `leg ${i + 1}`,
      plan: file?.qgc_plan ? fromQGC(file.qgc_plan) : null,
    };
  });
  return {
    legs,
    // Summary legs are 1-based; the preview's are indexes.
    drones: (sum.drones ?? []).map((d) => ({ drone: d.drone, site: d.site, legs: (d.legs ?? []).map((n) => n - 1), cycle_s: d.cycle_s })),
    sites: (sum.sites ?? cp.sites ?? []).map((s) => ({ name: s.name, ...pt(s.pos ?? s) })),
    coverage: { section_m: sum.section_m, covered_m: sum.covered_m, max_revisit_s: sum.max_revisit_s, mean_revisit_s: sum.mean_revisit_s },
    notes: sum.notes ?? [],
  };
}

export function fmtDuration(s) {
  if (!Number.isFinite(s)) return "—";
  const m = Math.round(s / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, "0")} min` : `${m} min`;
}

export function fmtKm(m) {
  return Number.isFinite(m) ? `${(m / 1000).toFixed(1)} km` : "—";
}

// firstLegs returns, per drone, the leg it flies first (what goes to its
// vehicle now; the others follow in turn).
export function firstLegs(pv) {
  const out = new Map();
  for (const d of pv.drones) if (d.legs.length) out.set(d.drone, d.legs[0]);
  for (const l of pv.legs) if (!out.has(l.drone)) out.set(l.drone, l.index);
  return out;
}
