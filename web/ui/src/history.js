// What happened before the page opened: the server's recorded alerts and
// detections (GET /api/v1/alerts, /api/v1/detections), merged with what the
// live stream brings without duplicates.
import { api } from "./api.js";
import { addAlerts, addDetections } from "./events.js";
import { notify } from "./state.js";

export const historyHours = 12;

export async function loadHistory() {
  const q = `?since=${historyHours}h&limit=2000`;
  try {
    const [alerts, detections] = await Promise.all([api("GET", `/api/v1/alerts${q}`), api("GET", `/api/v1/detections${q}`)]);
    addAlerts(alerts || []);
    addDetections(detections || []);
  } catch (err) {
    // 503: a server without a store has no history; the stream still works.
    if (err.status !== 503) notify("error", `Alert and detection history: ${err.message}`);
  }
}
