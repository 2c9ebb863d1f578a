// Flight modes an operator may pick, by autopilot, as gcs/modes.go names
// them (the server refuses a name the vehicle's autopilot does not know).
// A vehicle object that carries `available_modes` wins over these lists.
const arduCopter = ["STABILIZE", "ACRO", "ALT_HOLD", "AUTO", "GUIDED", "LOITER", "RTL", "CIRCLE", "LAND", "DRIFT", "SPORT", "FLIP", "AUTOTUNE", "POSHOLD", "BRAKE", "THROW", "AVOID_ADSB", "GUIDED_NOGPS", "SMART_RTL", "FLOWHOLD", "FOLLOW", "ZIGZAG", "SYSTEMID", "AUTOROTATE", "AUTO_RTL"];
const arduPlane = ["MANUAL", "CIRCLE", "STABILIZE", "TRAINING", "ACRO", "FBWA", "FBWB", "CRUISE", "AUTOTUNE", "AUTO", "RTL", "LOITER", "TAKEOFF", "AVOID_ADSB", "GUIDED", "QSTABILIZE", "QHOVER", "QLOITER", "QLAND", "QRTL", "QAUTOTUNE", "QACRO", "THERMAL"];
const px4 = ["MANUAL", "ALTCTL", "POSCTL", "ACRO", "OFFBOARD", "STABILIZED", "AUTO_TAKEOFF", "AUTO_LOITER", "AUTO_MISSION", "AUTO_RTL", "AUTO_LAND", "AUTO_FOLLOW_TARGET", "AUTO_PRECLAND"];

export function modesOf(v) {
  if (Array.isArray(v.available_modes) && v.available_modes.length) return v.available_modes;
  if (v.autopilot === "px4") return px4;
  if (v.autopilot === "ardupilot") return v.vehicle_type === "fixed_wing" ? arduPlane : arduCopter;
  return [];
}

// commonModes: the modes every vehicle of a selection knows, in the first one's order.
export function commonModes(vs) {
  if (!vs.length) return [];
  const sets = vs.map((v) => new Set(modesOf(v)));
  return modesOf(vs[0]).filter((m) => sets.every((s) => s.has(m)));
}
