// The plan model of the editor, in the shape of the server's missions.Plan
// JSON (mission items without home, fence polygons and circles with [lon,
// lat] points, rally points with altitudes above home), so that plans from
// the library and from conversions need no translation. Everything here is
// pure: functions take a plan and return a new one, which is what makes
// undo/redo (history.js) a list of snapshots.

// MAV_CMDs the editor offers, with the labels of their parameters
// (common.xml). `pos` marks the commands whose params 5-7 are a position
// (missions.navPositional); their marker sits on the map.
export const COMMANDS = {
  16: { name: "WAYPOINT", pos: true, params: ["Hold s", "Accept radius m", "Pass radius m", "Yaw deg"] },
  17: { name: "LOITER_UNLIM", pos: true, params: ["", "", "Radius m", "Yaw deg"] },
  18: { name: "LOITER_TURNS", pos: true, params: ["Turns", "Heading required", "Radius m", "Xtrack location"] },
  19: { name: "LOITER_TIME", pos: true, params: ["Time s", "Heading required", "Radius m", "Xtrack location"] },
  20: { name: "RETURN_TO_LAUNCH", pos: false, params: [] },
  21: { name: "LAND", pos: true, params: ["Abort alt m", "Land mode", "", "Yaw deg"] },
  22: { name: "TAKEOFF", pos: true, params: ["Pitch deg", "", "", "Yaw deg"] },
  31: { name: "LOITER_TO_ALT", pos: true, params: ["Heading required", "Radius m", "", "Xtrack location"] },
  82: { name: "SPLINE_WAYPOINT", pos: true, params: ["Hold s", "", "", ""] },
  93: { name: "DELAY", pos: false, params: ["Delay s", "Hour", "Minute", "Second"] },
  112: { name: "CONDITION_DELAY", pos: false, params: ["Delay s"] },
  177: { name: "DO_JUMP", pos: false, params: ["Item #", "Repeat"] },
  178: { name: "DO_CHANGE_SPEED", pos: false, params: ["Speed type", "Speed m/s", "Throttle %"] },
  189: { name: "DO_LAND_START", pos: false, params: [] },
  201: { name: "DO_SET_ROI", pos: true, params: ["ROI mode", "WP index", "ROI index"] },
  207: { name: "DO_FENCE_ENABLE", pos: false, params: ["Enable (0/1/2)"] },
};

export const CMD = { WAYPOINT: 16, LOITER_UNLIM: 17, LOITER_TIME: 19, RTL: 20, LAND: 21, TAKEOFF: 22, DO_CHANGE_SPEED: 178 };

// MAV_FRAME_GLOBAL_RELATIVE_ALT: altitudes above home, as operators plan.
export const FRAME_REL_ALT = 3;
export const FRAME_MISSION = 2;

export const FIRMWARE = { generic: 0, ardupilot: 3, px4: 12 };

export function commandName(cmd) {
  return COMMANDS[cmd]?.name ?? `command ${cmd}`;
}

export function hasPosition(it) {
  if (!COMMANDS[it.command]?.pos && !isPositional(it.command)) return false;
  const [lat, lon] = [it.params[4], it.params[5]];
  return Number.isFinite(lat) && Number.isFinite(lon) && (lat !== 0 || lon !== 0);
}

// Positional commands the editor does not list but the server knows
// (missions.navPositional), so that a plan read from a file still draws.
function isPositional(cmd) {
  return [36, 84, 85, 195, 179].includes(cmd);
}

export function emptyPlan(name = "") {
  return {
    mission: [],
    home: null,
    fence: { polygons: [], circles: [], return: null },
    rally: [],
    vehicle: { firmware_type: FIRMWARE.ardupilot, vehicle_type: 2 },
    meta: { name },
  };
}

// normalize makes any plan-shaped object (the server's JSON, which leaves
// out empty lists) complete, copying it.
export function normalize(p) {
  const fence = p?.fence ?? {};
  return {
    mission: (p?.mission ?? []).map((it) => ({
      command: it.command,
      frame: it.frame ?? FRAME_REL_ALT,
      params: padParams(it.params),
      autocontinue: it.autocontinue ?? true,
    })),
    home: p?.home ? { ...p.home } : null,
    fence: {
      polygons: (fence.polygons ?? []).map((f) => ({ inclusion: !!f.inclusion, vertices: f.vertices.map((v) => [v[0], v[1]]) })),
      circles: (fence.circles ?? []).map((c) => ({ inclusion: !!c.inclusion, center: [c.center[0], c.center[1]], radius_m: c.radius_m })),
      return: fence.return ? { ...fence.return } : null,
    },
    rally: (p?.rally ?? []).map((r) => ({ lat: r.lat, lon: r.lon, alt_m: r.alt_m ?? 0 })),
    vehicle: { firmware_type: FIRMWARE.ardupilot, vehicle_type: 2, ...(p?.vehicle ?? {}) },
    meta: { ...(p?.meta ?? {}) },
  };
}

function padParams(ps) {
  const out = [];
  for (let i = 0; i < 7; i++) {
    const v = ps?.[i];
    // null is JSON's NaN: "unused" (keep the vehicle's own value, e.g. its
    // yaw); it must survive editing and go back out as null.
    out.push(v === undefined ? 0 : v === null ? NaN : Number(v));
  }
  return out;
}

// newItem builds a mission item at a position with an altitude above home.
export function newItem(command, lat, lon, altM) {
  const params = [0, 0, 0, 0, 0, 0, 0];
  if (COMMANDS[command]?.pos) {
    params[4] = lat;
    params[5] = lon;
    params[6] = altM;
  }
  if (command === CMD.LOITER_TIME) params[0] = 30;
  if (command === CMD.LAND || command === CMD.TAKEOFF) {
    // A takeoff or land without a position means "here" (missions.HasPosition).
    if (lat === undefined) params[6] = command === CMD.TAKEOFF ? altM ?? 30 : 0;
  }
  const frame = command === CMD.RTL ? FRAME_MISSION : FRAME_REL_ALT;
  return { command, frame, params, autocontinue: true };
}

// positionalIndexes lists the indexes of the mission items that sit on the map.
export function positionalIndexes(plan) {
  const out = [];
  plan.mission.forEach((it, i) => {
    if (hasPosition(it)) out.push(i);
  });
  return out;
}

// lastAltitude is the altitude of the last positional item (what a new
// waypoint gets), or the default.
export function lastAltitude(plan, fallback = 60) {
  for (let i = plan.mission.length - 1; i >= 0; i--) {
    const it = plan.mission[i];
    if (hasPosition(it)) return it.params[6];
  }
  return fallback;
}

// --- edits: each returns a new plan ---------------------------------------

function clone(plan) {
  return normalize(plan);
}

export function addItem(plan, item, at = plan.mission.length) {
  const p = clone(plan);
  p.mission.splice(at, 0, item);
  renumberJumps(p, at, +1);
  return p;
}

export function deleteItem(plan, index) {
  const p = clone(plan);
  p.mission.splice(index, 1);
  renumberJumps(p, index, -1);
  return p;
}

// DO_JUMP's param1 is the target's mission index plus one (missions.Plan):
// keep it pointing at the same item when items move below it.
function renumberJumps(p, at, delta) {
  for (const it of p.mission) {
    if (it.command === 177 && it.params[0] > at) it.params[0] += delta;
  }
}

export function moveItem(plan, index, lat, lon) {
  const p = clone(plan);
  p.mission[index].params[4] = lat;
  p.mission[index].params[5] = lon;
  return p;
}

// updateItem sets fields of one item: command, frame, altitude or a raw param.
export function updateItem(plan, index, change) {
  const p = clone(plan);
  const it = p.mission[index];
  if (change.command !== undefined && change.command !== it.command) {
    const wasPos = hasPosition(it);
    it.command = change.command;
    if (change.command === CMD.RTL) {
      it.frame = FRAME_MISSION;
      it.params = [0, 0, 0, 0, 0, 0, 0];
    } else if (COMMANDS[change.command]?.pos && !wasPos) {
      it.frame = FRAME_REL_ALT;
    }
  }
  if (change.frame !== undefined) it.frame = change.frame;
  if (change.alt_m !== undefined) it.params[6] = change.alt_m;
  if (change.param) it.params[change.param.index] = change.param.value;
  return p;
}

// speedBefore returns the speed (m/s) set by the DO_CHANGE_SPEED right
// before the item, or null.
export function speedBefore(plan, index) {
  const prev = plan.mission[index - 1];
  return prev && prev.command === CMD.DO_CHANGE_SPEED ? prev.params[1] : null;
}

// setSpeed gives an item a speed the way QGroundControl does: a
// DO_CHANGE_SPEED item right before it (updated if there, removed when the
// speed is cleared). Returns the plan and the item's new index.
export function setSpeed(plan, index, speedMS) {
  let p = clone(plan);
  const has = speedBefore(p, index) !== null;
  if (speedMS === null || speedMS === undefined || speedMS === "" || !(speedMS > 0)) {
    if (has) return { plan: deleteItem(p, index - 1), index: index - 1 };
    return { plan: p, index };
  }
  if (has) {
    p.mission[index - 1].params[1] = speedMS;
    return { plan: p, index };
  }
  const sp = { command: CMD.DO_CHANGE_SPEED, frame: FRAME_MISSION, params: [1, speedMS, -1, 0, 0, 0, 0], autocontinue: true };
  p = addItem(p, sp, index);
  return { plan: p, index: index + 1 };
}

// insertAfter puts a waypoint halfway between item index and the next
// positional item (or a little beyond the last one).
export function insertAfter(plan, index) {
  const pos = positionalIndexes(plan);
  const a = plan.mission[index];
  const nextIdx = pos.find((i) => i > index);
  let lat = a.params[4];
  let lon = a.params[5];
  if (nextIdx !== undefined) {
    const b = plan.mission[nextIdx];
    lat = (lat + b.params[4]) / 2;
    lon = (lon + b.params[5]) / 2;
  } else {
    lat += 0.002;
  }
  return addItem(plan, newItem(CMD.WAYPOINT, lat, lon, a.params[6] || lastAltitude(plan)), index + 1);
}

export function addPolygon(plan, inclusion, vertices) {
  const p = clone(plan);
  p.fence.polygons.push({ inclusion, vertices });
  return p;
}

export function setPolygon(plan, index, vertices) {
  const p = clone(plan);
  p.fence.polygons[index].vertices = vertices;
  return p;
}

export function addCircle(plan, inclusion, center, radiusM) {
  const p = clone(plan);
  p.fence.circles.push({ inclusion, center, radius_m: radiusM });
  return p;
}

export function setCircle(plan, index, center, radiusM) {
  const p = clone(plan);
  p.fence.circles[index] = { ...p.fence.circles[index], center, radius_m: radiusM };
  return p;
}

export function toggleInclusion(plan, kind, index) {
  const p = clone(plan);
  const list = kind === "polygon" ? p.fence.polygons : p.fence.circles;
  list[index].inclusion = !list[index].inclusion;
  return p;
}

export function deleteFence(plan, kind, index) {
  const p = clone(plan);
  (kind === "polygon" ? p.fence.polygons : p.fence.circles).splice(index, 1);
  return p;
}

export function addRally(plan, lat, lon, altM) {
  const p = clone(plan);
  p.rally.push({ lat, lon, alt_m: altM });
  return p;
}

export function setRally(plan, index, change) {
  const p = clone(plan);
  p.rally[index] = { ...p.rally[index], ...change };
  return p;
}

export function deleteRally(plan, index) {
  const p = clone(plan);
  p.rally.splice(index, 1);
  return p;
}

// setHome puts the planned home at lat, lon with its ground altitude AMSL
// (altM), or NaN when unknown: the .plan then says null (QGroundControl's
// "unknown"), never a made-up 0 m. Mission and rally altitudes stay
// relative to home either way.
export function setHome(plan, lat, lon, altM = NaN) {
  const p = clone(plan);
  p.home = { lat, lon, alt_m: Number.isFinite(altM) ? altM : NaN };
  return p;
}

export function clearHome(plan) {
  const p = clone(plan);
  p.home = null;
  return p;
}

// homeAltKnown tells whether a plan's home altitude is known.
export function homeAltKnown(home) {
  return !!home && Number.isFinite(home.alt_m);
}

export function setMeta(plan, change) {
  const p = clone(plan);
  p.meta = { ...p.meta, ...change };
  return p;
}

export function setVehicle(plan, change) {
  const p = clone(plan);
  p.vehicle = { ...p.vehicle, ...change };
  return p;
}

// mergeLists adds b's mission, fence and rally points to a's (a QGC WPL
// mission imported with its fence and rally files).
export function mergeLists(a, b) {
  const p = clone(a);
  const q = normalize(b);
  p.mission.push(...q.mission);
  p.fence.polygons.push(...q.fence.polygons);
  p.fence.circles.push(...q.fence.circles);
  p.fence.return = p.fence.return ?? q.fence.return;
  p.rally.push(...q.rally);
  p.home = p.home ?? q.home;
  return p;
}

export function counts(plan) {
  return {
    mission: plan.mission.length,
    polygons: plan.fence.polygons.length,
    circles: plan.fence.circles.length,
    rally: plan.rally.length,
  };
}

export function isEmpty(plan) {
  const c = counts(plan);
  return c.mission + c.polygons + c.circles + c.rally === 0 && !plan.fence.return;
}

// --- QGroundControl .plan -------------------------------------------------
// The corridor planner answers each leg as the .plan the server writes
// (missions.WriteQGCPlan: SimpleItems, geoFence and rallyPoints version 2);
// this reads it into the model. Files go through the server's converter
// (one parser per format).

// fromQGC reads the SimpleItem .plan the server writes. It throws on what it
// does not know (ComplexItems): send such files through the server's import.
export function fromQGC(doc) {
  if (!doc || doc.fileType !== "Plan") throw new Error('not a QGroundControl .plan (no "fileType": "Plan")');
  const m = doc.mission ?? {};
  const mission = (m.items ?? []).map((it, i) => {
    if (it.type !== "SimpleItem") throw new Error(`mission item ${i + 1} is a ${it.type}: import the file through the server`);
    return {
      command: it.command,
      frame: it.frame,
      params: padParams(it.params),
      autocontinue: it.autoContinue ?? true,
    };
  });
  const h = m.plannedHomePosition;
  // A null altitude is "unknown" (NaN), as the server reads it: not 0 m.
  const home = Array.isArray(h) && (h[0] || h[1]) ? { lat: h[0], lon: h[1], alt_m: h[2] ?? NaN } : null;
  const gf = doc.geoFence ?? {};
  const br = gf.breachReturn;
  return normalize({
    mission,
    home,
    fence: {
      polygons: (gf.polygons ?? []).map((f) => ({ inclusion: f.inclusion, vertices: f.polygon.map((v) => [v[1], v[0]]) })),
      circles: (gf.circles ?? []).map((c) => ({ inclusion: c.inclusion, center: [c.circle.center[1], c.circle.center[0]], radius_m: c.circle.radius })),
      return: Array.isArray(br) && (br[0] || br[1]) ? { lat: br[0], lon: br[1], alt_m: br[2] ?? 0 } : null,
    },
    rally: (doc.rallyPoints?.points ?? []).map((r) => ({ lat: r[0], lon: r[1], alt_m: r[2] ?? 0 })),
    vehicle: { firmware_type: m.firmwareType ?? 0, vehicle_type: m.vehicleType ?? 0 },
    meta: doc.borderwatch ?? {},
  });
}
