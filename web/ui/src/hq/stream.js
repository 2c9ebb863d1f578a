// A headquarters' view of every station, streamed over /ws/federation
// (docs/api.md, "WebSocket /ws/federation"): a snapshot, then each
// station's vehicle states as the HQ applies them (also the moment one
// turns stale), new alerts and new detections. It reconnects with back-off;
// while it is down the view is read once with GET (the snapshot) and every
// vehicle is shown stale — the page never shows a drone live that it has
// not heard about. Whether this server is a headquarters at all is asked
// with GET /api/v1/federation/stations (503 elsewhere), rarely.
import { signal, effect, batch } from "@preact/signals";
import { api } from "../api.js";
import { user, can } from "../state.js";
import { keepAlerts } from "../alertgroups.js";

// isHQ: this server is a headquarters (its HQ tabs and layer show).
export const isHQ = signal(false);
// hqVehicles: Map key ("east/3") → vehicle as the HQ shows it.
export const hqVehicles = signal(new Map());
// hqAlerts, hqDetections: newest first, each once (station/seq).
export const hqAlerts = signal([]);
export const hqDetections = signal([]);
// hqStream: "off", "connecting", "live", "reconnecting".
export const hqStream = signal("off");

const maxEvents = 500;
// Alerts: room for stations' networks coming back with thousands of drones
// (a link-up each) on top of the alerts that matter; keepAlerts lets the
// notices go before any warning.
const maxAlerts = 5000;
const hqSeverity = (e) => (Number.isInteger(e.data?.severity) ? e.data.severity : 6);
const trimAlerts = (list) => keepAlerts(list, maxAlerts, hqSeverity);
const trimDetections = (list) => list.slice(0, maxEvents);
const notHQRetryMs = 60000;

// eventKey names an event across stations.
export const eventKey = (e) => `${e.station}/${e.seq}`;

function mergeEvents(list, add, trim) {
  if (!add || !add.length) return list;
  const seen = new Set(list.map(eventKey));
  const fresh = add.filter((e) => !seen.has(eventKey(e)));
  if (!fresh.length) return list;
  return trim([...fresh.reverse(), ...list].sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || b.seq - a.seq));
}

function mergeVehicles(vs, replace = false) {
  const next = replace ? new Map() : new Map(hqVehicles.value);
  const now = Date.now();
  for (const v of vs || []) if (v && typeof v.key === "string") next.set(v.key, { ...v, heardAt: now, heardAge: v.age_s || 0 });
  hqVehicles.value = next;
}

// allStale marks every vehicle stale, its age counted on from when the
// HQ last told of it (so the label grows while the HQ cannot be reached,
// at each reconnection attempt, instead of staying at the last age heard).
function allStale() {
  const next = new Map();
  const now = Date.now();
  for (const [k, v] of hqVehicles.value) {
    const age = v.heardAt ? v.heardAge + (now - v.heardAt) / 1000 : v.age_s || 0;
    next.set(k, { ...v, stale: true, link_ok: false, age_s: age });
  }
  hqVehicles.value = next;
}

function applySnapshot(vehicles, alerts, detections) {
  batch(() => {
    mergeVehicles(vehicles, true);
    hqAlerts.value = mergeEvents(hqAlerts.value, alerts, trimAlerts);
    hqDetections.value = mergeEvents(hqDetections.value, detections, trimDetections);
  });
}

// readOnce reads the view with GET: the fallback while the stream is down.
async function readOnce() {
  const [vs, as, ds] = await Promise.all([
    api("GET", "/api/v1/federation/vehicles"),
    api("GET", "/api/v1/federation/alerts"),
    api("GET", "/api/v1/federation/detections"),
  ]);
  applySnapshot(vs, as, ds);
}

let ws = null;
let wanted = false;
let timer = null;

function connect(delay) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const sock = new WebSocket(`${proto}//${location.host}/ws/federation`);
  ws = sock;
  sock.onopen = () => {
    if (ws !== sock) return;
    hqStream.value = "live";
    delay = 500;
  };
  sock.onmessage = (ev) => {
    if (ws !== sock) return;
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (msg.type === "snapshot") applySnapshot(msg.vehicles, msg.alerts, msg.detections);
    else if (msg.type === "vehicles") mergeVehicles(msg.vehicles);
    else if (msg.type === "events") {
      const evs = msg.events || [];
      batch(() => {
        hqAlerts.value = mergeEvents(hqAlerts.value, evs.filter((e) => e.type === "alert"), trimAlerts);
        hqDetections.value = mergeEvents(hqDetections.value, evs.filter((e) => e.type === "detection"), trimDetections);
      });
    }
  };
  sock.onclose = () => {
    if (ws !== sock || !wanted) return;
    hqStream.value = "reconnecting";
    // Until the stream is back, the view is read once, and whatever cannot
    // be read is shown stale rather than live.
    readOnce().catch((err) => {
      allStale();
      if (err.status === 503) isHQ.value = false;
    });
    timer = setTimeout(() => {
      timer = null;
      if (wanted && ws === sock) connect(Math.min(delay * 2, 15000));
    }, delay);
  };
}

function start() {
  if (wanted) return;
  wanted = true;
  hqStream.value = "connecting";
  connect(500);
}

function stop() {
  wanted = false;
  if (timer) clearTimeout(timer);
  timer = null;
  const sock = ws;
  ws = null;
  if (sock) sock.close();
  hqStream.value = "off";
  batch(() => {
    hqVehicles.value = new Map();
    hqAlerts.value = [];
    hqDetections.value = [];
  });
}

// Is this a headquarters? Asked at login, and again now and then while the
// answer is no (a 503).
let probe = null;
async function ask() {
  probe = null;
  if (!user.value || !can("watch")) return;
  try {
    await api("GET", "/api/v1/federation/stations");
    isHQ.value = true;
  } catch (err) {
    if (err.status === 503) isHQ.value = false;
    if (user.value && !isHQ.value) probe = setTimeout(ask, notHQRetryMs);
  }
}

effect(() => {
  const u = user.value;
  if (u && can("watch")) {
    if (!probe && !isHQ.peek()) ask();
  } else {
    if (probe) clearTimeout(probe);
    probe = null;
    isHQ.value = false;
  }
});

effect(() => {
  if (isHQ.value && user.value && can("watch")) start();
  else stop();
});
