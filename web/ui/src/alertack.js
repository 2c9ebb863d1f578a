// Acknowledging an alert on the server (POST /api/v1/alerts/{id}/ack); the
// answer (who, when, note) is shown at once, and the live stream brings it
// to every other page.
import { api, ApiError } from "./api.js";
import { applyAck } from "./events.js";

export async function acknowledgeAlert(a, note) {
  try {
    const ack = await api("POST", `/api/v1/alerts/${encodeURIComponent(a.id)}/ack`, { note });
    applyAck(ack);
    return ack;
  } catch (err) {
    // 409: someone acknowledged it first; show theirs.
    if (err instanceof ApiError && err.status === 409 && err.data?.ack) applyAck(err.data.ack);
    throw err;
  }
}
