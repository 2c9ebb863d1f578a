// What happened before the page opened: the server's recorded alerts and
// detections (GET /api/v1/alerts, /api/v1/detections), merged with what the
// live stream brings without duplicates.
import { api } from "./api.js";
import { addAlerts, addDetections } from "./events.js";
import { notify } from "./state.js";

export const historyHours = 12;

// loadHistory reads the alerts and detections of the last historyHours, or
// (from, a time in ms of the server's clock) those since from. It answers
// whether the read worked; a failure is a notice, or an exception when
// raise is set (the caller says it its own way).
export async function loadHistory(from = null, raise = false) {
  // The newest 5000 of each: room for thousands of drones' link-ups on top
  // of the operator's other alerts.
  const q = from == null ? `?since=${historyHours}h&limit=5000` : `?from=${encodeURIComponent(new Date(from).toISOString())}&limit=5000`;
  try {
    const [alerts, detections] = await Promise.all([api("GET", `/api/v1/alerts${q}`), api("GET", `/api/v1/detections${q}`)]);
    addAlerts(alerts || []);
    addDetections(detections || []);
    return true;
  } catch (err) {
    if (raise) throw err;
    // 503: a server without a store has no history; the stream still works.
    if (err.status !== 503) notify("error", `Alert and detection history: ${err.message}`);
    return false;
  }
}
