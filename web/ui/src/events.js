// Events from the live or replay stream and from the server's history:
// detections (per vehicle and track, with the track's history) and alerts
// (one line per alert, newest first).
import { alerts, detections } from "./state.js";

const maxAlerts = 500;
const maxTrackPoints = 200;

// alertKey identifies one alert whether it came from the history or the
// stream: the server's id when it gives one, else its time, vehicle and text.
export function alertKey(a) {
  return a.id != null ? `id:${a.id}` : `${a.time}|${a.sysid}|${a.type}|${a.text}`;
}

// addAlerts merges alerts into the list without duplicates, newest first;
// a known alert is replaced (its acknowledgement may have changed).
export function addAlerts(list) {
  if (!list.length) return;
  const byKey = new Map(alerts.value.map((a) => [alertKey(a), a]));
  for (const a of list) byKey.set(alertKey(a), { ...byKey.get(alertKey(a)), ...a });
  alerts.value = [...byKey.values()].sort((a, b) => Date.parse(b.time) - Date.parse(a.time)).slice(0, maxAlerts);
}

export function detectionKey(d) {
  return `${d.sysid}/${d.track_id}`;
}

// addDetections records detections by track, keeping each track's path.
export function addDetections(list) {
  if (!list.length) return;
  const next = new Map(detections.value);
  for (const d of list) {
    const key = detectionKey(d);
    const prev = next.get(key);
    const history = prev ? prev.history.slice(-(maxTrackPoints - 1)) : [];
    const last = history[history.length - 1];
    if (!last || last[0] !== d.lat || last[1] !== d.lon) history.push([d.lat, d.lon, d.time]);
    // Keep the newest as the track's state even when history arrives out of order.
    const newest = !prev || Date.parse(d.time) >= Date.parse(prev.last.time) ? d : prev.last;
    next.set(key, { key, last: newest, history });
  }
  detections.value = next;
}

// onStreamEvents dispatches the events of one /ws/live or /ws/replay message.
export function onStreamEvents(events) {
  if (!events || !events.length) return;
  const dets = [];
  const als = [];
  for (const { type, event } of events) {
    if (type === "detection") dets.push(event);
    else if (type === "alert") als.push(event);
    else if (type === "alert_ack") als.push(event);
    else if (type === "status_text" && event.severity <= 4) als.push({ ...event, type: "status_text" });
  }
  addDetections(dets);
  addAlerts(als);
}

export function clearEvents() {
  alerts.value = [];
  detections.value = new Map();
}
