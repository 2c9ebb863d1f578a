// What happened before the page opened: the server's recorded alerts and
// detections (GET /api/v1/alerts, /api/v1/detections), merged with what the
// live stream brings without duplicates.
import { api } from "./api.js";
import { addAlerts, addDetections } from "./events.js";
import { notify } from "./state.js";

export const historyHours = 12;

export async function loadHistory() {
  const from = new Date(Date.now() - historyHours * 3600 * 1000).toISOString();
  const q = `?from=${encodeURIComponent(from)}&limit=2000`;
  try {
    const [alerts, detections] = await Promise.all([api("GET", `/api/v1/alerts${q}`), api("GET", `/api/v1/detections${q}`)]);
    addAlerts((alerts || []).map((a) => a));
    addDetections(detections || []);
  } catch (err) {
    // 503: a server without a store has no history; the stream still works.
    if (err.status !== 503) notify("error", `Alert and detection history: ${err.message}`);
  }
}
