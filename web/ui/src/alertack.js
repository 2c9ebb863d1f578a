// Acknowledging an alert on the server; the answer (who, when, note) is
// merged into the list, and the live stream brings it to every other page.
import { api } from "./api.js";
import { addAlerts } from "./events.js";

export async function acknowledgeAlert(a, note) {
  const out = await api("POST", `/api/v1/alerts/${encodeURIComponent(a.id)}/ack`, { note });
  addAlerts([out]);
  return out;
}
