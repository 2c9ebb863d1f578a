// The live stream: /ws/live, reconnecting with back-off; on (re)connect the
// server sends every vehicle first, so the map is complete at once. The
// client tells the server what it shows (the map's bounds, the selected
// vehicles): those come at full rate, the rest of the fleet at 1 Hz for the
// fleet list (docs/api.md, "WebSocket /ws/live").
import { connection, selected } from "./state.js";
import { map } from "./map/map.js";
import { applyVehicles } from "./fleet.js";
import { messageStats } from "./map/drones.js";
import { onStreamEvents } from "./events.js";
import { loadHistory } from "./history.js";
import { onEventsMessage, resetMissed } from "./missed.js";

let ws = null;

// liveLatency keeps the last samples of how long a vehicle state took from
// the server's receipt of its frame (the state's "time") to the end of the
// animation frame that drew it: what an operator waits for a drone on the
// map to move.
// The same machine's clock on both sides (a station and its browser) makes it
// meaningful; BenchmarkBrowser_FrameToMap250Drones reads it.
export const liveLatency = { samples: [], max: 20000 };
if (typeof window !== "undefined") window.bwLiveLatency = liveLatency;

function recordLatency(vehicles) {
  const times = [];
  // Only drones the map shows: the others come at 1 Hz by design (the view).
  const bounds = map.getBounds();
  for (const v of vehicles) {
    if (!(v && v.has_position && bounds.contains([v.lat, v.lon]))) continue;
    const t = v && typeof v.time === "string" ? Date.parse(v.time) : NaN;
    if (Number.isFinite(t)) times.push(t);
  }
  if (times.length === 0) return;
  // Queued after the map's own draw for this message (applyVehicles queued
  // it first), so this runs once the drones were drawn.
  requestAnimationFrame(() => {
    const now = Date.now();
    const s = liveLatency.samples;
    for (const t of times) s.push(now - t);
    if (s.length > liveLatency.max) s.splice(0, s.length - liveLatency.max);
  });
}

// viewBBox is [west, south, east, north] for the server from Leaflet
// bounds, padded so that a drone about to enter the map is already at full
// rate; null when the map shows the whole world (or is not laid out yet).
// Longitudes wrap into [-180, 180]: a box whose west edge ends up east of
// its east edge crosses the antimeridian, which the server understands.
export function viewBBox(bounds) {
  const w0 = bounds.getWest(), e0 = bounds.getEast();
  if (!(e0 - w0 < 360) || !(e0 > w0)) return null;
  const wrap = (x) => ((((x + 180) % 360) + 360) % 360) - 180;
  const s = Math.max(-90, bounds.getSouth()), n = Math.min(90, bounds.getNorth());
  if (!(s < n)) return null;
  let w = wrap(w0), e = wrap(e0);
  if (e === -180 && e0 > w0) e = 180;
  return [w, s, e, n];
}

// viewMessage is the view message for the map and selection as they are now.
function viewMessage() {
  const size = map.getSize();
  const bbox = size.x > 0 && size.y > 0 ? viewBBox(map.getBounds().pad(0.2)) : null;
  // Up to the server's limit; more selected drones than that are a fleet
  // action, and the rest of them still come at 1 Hz.
  const ids = [...selected.value].filter((id) => Number.isInteger(id) && id > 0).slice(0, 256);
  // compact: states whose status we hold come as their motion alone
  // (applyVehicles merges them), a quarter to a half of the bytes.
  return JSON.stringify({ type: "view", bbox, selected: ids, rate_hz: 10, compact: true });
}

let viewTimer = null;
let lastView = "";
// sendView tells the server what the map shows, at most every 100 ms
// (a map being dragged fires many events) and only when it changed.
function sendView(force = false) {
  if (force && viewTimer) {
    clearTimeout(viewTimer);
    viewTimer = null;
  }
  if (viewTimer) return;
  viewTimer = setTimeout(() => {
    viewTimer = null;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const msg = viewMessage();
    if (msg === lastView && !force) return;
    lastView = msg;
    ws.send(msg);
  }, force ? 0 : 100);
}
map.on("moveend resize", () => sendView());
selected.subscribe(() => sendView());

let wanted = false;
const listeners = new Set();

// onLiveMessage lets a view see every message (upload progress, acks).
export function onLiveMessage(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function connect(delay) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const sock = new WebSocket(`${proto}//${location.host}/ws/live`);
  ws = sock;
  sock.onopen = () => {
    connection.value = "live";
    delay = 500;
    resetMissed();
    // A new connection starts with every vehicle at full rate: say what
    // this page shows.
    lastView = "";
    sendView(true);
    // What happened while the stream was not connected (page opening,
    // reconnecting) comes from the server's history; duplicates merge.
    loadHistory();
  };
  sock.onmessage = (ev) => {
    if (ws !== sock) return;
    const t0 = performance.now();
    const msg = JSON.parse(ev.data);
    if (msg.vehicles) {
      recordLatency(applyVehicles(msg.vehicles));
      const ms = performance.now() - t0;
      messageStats.messages++;
      messageStats.totalMs += ms;
      if (ms > messageStats.maxMs) messageStats.maxMs = ms;
    }
    if (msg.type === "events") onEventsMessage(msg);
    if (msg.events) onStreamEvents(msg.events);
    if (msg.type === "error") console.warn("live stream:", msg.error);
    // The view as the server applied it (for the browser tests and a
    // curious operator's console).
    if (msg.type === "view" && typeof window !== "undefined") window.bwLiveView = msg;
    for (const fn of listeners) fn(msg);
  };
  sock.onclose = () => {
    if (ws !== sock || !wanted) return;
    connection.value = "reconnecting";
    setTimeout(() => wanted && ws === sock && connect(Math.min(delay * 2, 10000)), delay);
  };
}

export function startLive() {
  if (wanted) return;
  wanted = true;
  connection.value = "connecting";
  connect(500);
}

export function stopLive() {
  wanted = false;
  const sock = ws;
  ws = null;
  if (sock) sock.close();
}
