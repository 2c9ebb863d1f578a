// Events from the live or replay stream and from the server's history:
// detections (per vehicle and track, with the track's history) and alerts
// (one line per alert, newest first).
import { alerts, detections } from "./state.js";
import { addRemoteIDs, clearRemoteIDs } from "./map/remoteid.js";
import { alertKey, keepAlerts } from "./alertgroups.js";

// Enough for a fleet of a few thousand drones to come back at once (one
// link-up each) with the operator's other alerts still in the list:
// keepAlerts lets the link-ups go before any open warning.
const maxAlerts = 5000;
const maxTrackPoints = 200;

// Acknowledgements that arrived before their alert (a page still loading its history).
const earlyAcks = new Map();

// addAlerts merges alerts ({id, time, sysid, type, severity, text, ack?})
// into the list without duplicates, newest first; a known alert keeps the
// acknowledgement it has unless the new copy brings one.
export function addAlerts(list) {
  if (!list.length) return;
  const byKey = new Map(alerts.value.map((a) => [alertKey(a), a]));
  for (const a of list) {
    const k = alertKey(a);
    const prev = byKey.get(k);
    const ack = a.ack || prev?.ack || (a.id && earlyAcks.get(a.id)) || null;
    byKey.set(k, { ...prev, ...a, ack });
  }
  alerts.value = keepAlerts([...byKey.values()].sort((a, b) => Date.parse(b.time) - Date.parse(a.time)), maxAlerts);
}

// applyAck records an acknowledgement {alert_id, user, time, note}, from
// this page's own request or from another operator's through the stream.
export function applyAck(ack) {
  const key = `id:${ack.alert_id}`;
  if (!alerts.value.some((a) => alertKey(a) === key)) {
    earlyAcks.set(ack.alert_id, ack);
    return;
  }
  alerts.value = alerts.value.map((a) => (alertKey(a) === key ? { ...a, ack } : a));
}

export function detectionKey(d) {
  return `${d.vehicle || d.sysid}/${d.track_id}`;
}

// addDetections records detections by track, keeping each track's path.
export function addDetections(list) {
  if (!list.length) return;
  const next = new Map(detections.value);
  for (const d of list) {
    const key = detectionKey(d);
    const prev = next.get(key);
    let history = prev ? prev.history : [];
    // A detection read again (the history after a reconnect or after missed
    // events) is one the track has: keep its path as it was.
    if (!history.some((p) => p[2] === d.time && p[0] === d.lat && p[1] === d.lon)) {
      history = history.slice(-(maxTrackPoints - 1));
      const last = history[history.length - 1];
      if (!last || last[0] !== d.lat || last[1] !== d.lon) history.push([d.lat, d.lon, d.time]);
    }
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
  const acks = [];
  const rids = [];
  for (const { type, id, event } of events) {
    if (type === "detection") dets.push(event);
    else if (type === "remote_id") rids.push(event);
    // Serious status texts reach the list as the server's status_text alerts.
    else if (type === "alert") als.push({ ...event, id });
    else if (type === "alert_ack") acks.push({ ...event, alert_id: event.alert_id || id });
  }
  addDetections(dets);
  addRemoteIDs(rids);
  addAlerts(als);
  for (const a of acks) applyAck(a);
}

export function clearEvents() {
  earlyAcks.clear();
  alerts.value = [];
  detections.value = new Map();
  clearRemoteIDs();
}
