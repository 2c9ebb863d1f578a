// The live stream: /ws/live, reconnecting with back-off; on (re)connect the
// server sends every vehicle first, so the map is complete at once.
import { connection } from "./state.js";
import { applyVehicles } from "./fleet.js";
import { messageStats } from "./map/drones.js";
import { onStreamEvents } from "./events.js";
import { loadHistory } from "./history.js";

let ws = null;

// liveLatency keeps the last samples of how long a vehicle state took from
// the server's receipt of its frame (the state's "time") to the end of the
// animation frame that drew it: what an operator waits for a drone to move.
// The same machine's clock on both sides (a station and its browser) makes it
// meaningful; BenchmarkBrowser_FrameToMap250Drones reads it.
export const liveLatency = { samples: [], max: 20000 };
if (typeof window !== "undefined") window.bwLiveLatency = liveLatency;

function recordLatency(vehicles) {
  const times = [];
  for (const v of vehicles) {
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
    // What happened while the stream was not connected (page opening,
    // reconnecting) comes from the server's history; duplicates merge.
    loadHistory();
  };
  sock.onmessage = (ev) => {
    if (ws !== sock) return;
    const t0 = performance.now();
    const msg = JSON.parse(ev.data);
    if (msg.vehicles) {
      applyVehicles(msg.vehicles);
      recordLatency(msg.vehicles);
      const ms = performance.now() - t0;
      messageStats.messages++;
      messageStats.totalMs += ms;
      if (ms > messageStats.maxMs) messageStats.maxMs = ms;
    }
    if (msg.events) onStreamEvents(msg.events);
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
