// The replay session: one /ws/replay connection for the open sortie, its
// clock, its timeline markers, the per-drone trails built from the replayed
// states and the whole sortie's plot series. After every "reset" message
// (the start and every seek) the page drops what it shows and draws the
// server's snapshot, and the trails lose every point after the new instant:
// nothing from later than the replay clock is on the map.
//
// Opening draws the drones first: the timeline's markers, the plots' series
// and the plans flown are asked for only once the first snapshot is on
// screen (onFirstShown), so that they do not compete with it for the
// server, the network and the page (docs/performance.md).
import { signal } from "@preact/signals";
import { api } from "../api.js";
import { applyVehicles, clearVehicles } from "../fleet.js";
import { onStreamEvents, clearEvents } from "../events.js";

// sortie: the sortie object being replayed (null when none is open).
export const sortie = signal(null);
// clock: the last replay clock {time, from, to, speed, playing, ended}.
export const clock = signal(null);
// markers: the timeline's markers (GET /api/v1/sorties/{id}/timeline).
export const markers = signal([]);
// plotData: the whole sortie's series (GET /api/v1/sorties/{id}/series), null until loaded.
export const plotData = signal(null);
export const replayError = signal("");
// shown: the instant of the last reset snapshot the page has drawn (tests
// and the seek benchmark wait for it).
export const shown = signal(null);
// seriesVersion changes whenever the series below changed (plots, trails redraw).
export const seriesVersion = signal(0);

// series: vehicle id → {t: [], lat: [], lon: []} (t in seconds since the
// epoch), the trails, sampled every sampleS of replay time.
export const series = new Map();
let sampleS = 1;
let ws = null;
let resetListeners = [];
let firstShownListeners = [];

// onFirstShown calls fn(sortie, fleet) once the first snapshot of a newly
// opened sortie has been painted.
export function onFirstShown(fn) {
  firstShownListeners.push(fn);
  return () => (firstShownListeners = firstShownListeners.filter((f) => f !== fn));
}

// plotPoints: points per drone asked of the series endpoint (two per pixel column of a plot).
export const plotPoints = 800;

// onReset calls fn(timeMs) after each reset snapshot was applied.
export function onReset(fn) {
  resetListeners.push(fn);
  return () => (resetListeners = resetListeners.filter((f) => f !== fn));
}

export function send(cmd) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(cmd));
}

export function seek(ms) {
  const c = clock.peek();
  if (!c) return;
  const from = Date.parse(c.from);
  const to = Date.parse(c.to);
  const t = Math.max(from, Math.min(to, ms));
  // Show the cursor at once; the server's reset confirms it.
  clock.value = { ...c, time: new Date(t).toISOString() };
  send({ cmd: "seek", time: new Date(t).toISOString() });
}

// trimAfter drops every series point later than ms.
function trimAfter(ms) {
  const lim = ms / 1000;
  for (const s of series.values()) {
    let n = s.t.length;
    while (n > 0 && s.t[n - 1] > lim) n--;
    if (n < s.t.length) for (const k of Object.keys(s)) s[k].length = n;
  }
}

function num(v) {
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

// record adds the replayed states to the trails, one point per drone every sampleS.
function record(list) {
  let changed = false;
  for (const v of list) {
    const t = Date.parse(v.time || v.last_heard) / 1000;
    if (!Number.isFinite(t)) continue;
    const id = v.id ?? v.sysid; // the vehicle's id (its system id on the default network)
    let s = series.get(id);
    if (!s) {
      s = { t: [], lat: [], lon: [] };
      series.set(id, s);
    }
    const last = s.t.length ? s.t[s.t.length - 1] : -Infinity;
    if (t < last + sampleS) continue;
    s.t.push(t);
    const pos = v.has_position && num(v.lat) !== null;
    s.lat.push(pos ? v.lat : null);
    s.lon.push(pos ? v.lon : null);
    changed = true;
  }
  if (changed) seriesVersion.value++;
}

// openReplay replays sortie s (the whole fleet in sync with fleet), from the instant atMs if given.
export function openReplay(s, { fleet = true, atMs = null, play = false } = {}) {
  closeReplay();
  sortie.value = s;
  const params = new URLSearchParams({ sortie: String(s.id) });
  if (fleet) params.set("fleet", "1");
  if (play) params.set("play", "1");
  // Events drawn after a seek: those of the 5 minutes before the instant,
  // as the live map shows them (older detections are stale there); the
  // timeline lists every one. A longer history costs about 5 ms per
  // detection marker to draw (docs/performance.md).
  params.set("history", "5m");
  sampleS = Math.max(1, Math.round(((Date.parse(s.end) - Date.parse(s.start)) / 1000 || 0) / 3000));
  // What is not needed to show the drones waits for the first snapshot on screen.
  const loadRest = () => {
    if (sortie.peek() !== s) return;
    api("GET", `/api/v1/sorties/${s.id}/timeline${fleet ? "?fleet=1" : ""}`)
      .then((tl) => {
        if (sortie.peek() === s) markers.value = tl.markers || [];
      })
      .catch((err) => (replayError.value = `timeline: ${err.message}`));
    api("GET", `/api/v1/sorties/${s.id}/series?points=${plotPoints}${fleet ? "&fleet=1" : ""}`)
      .then((d) => {
        if (sortie.peek() === s) plotData.value = d;
      })
      .catch((err) => (replayError.value = `plots: ${err.message}`));
    for (const fn of firstShownListeners) fn(s, fleet);
  };
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const sock = new WebSocket(`${proto}//${location.host}/ws/replay?${params}`);
  ws = sock;
  let first = true;
  let rested = false;
  sock.onmessage = (ev) => {
    if (ws !== sock) return;
    const msg = JSON.parse(ev.data);
    if (msg.error) replayError.value = msg.error;
    if (msg.store_error) replayError.value = `store: ${msg.store_error}`;
    if (msg.type === "reset") {
      const t = Date.parse(msg.replay.time);
      clearVehicles();
      clearEvents();
      trimAfter(t);
      seriesVersion.value++;
      if (first && atMs !== null) {
        first = false;
        clock.value = msg.replay;
        seek(atMs);
        return;
      }
      first = false;
    }
    if (msg.vehicles?.length) {
      applyVehicles(msg.vehicles);
      record(msg.vehicles);
    }
    onStreamEvents(msg.events);
    if (msg.replay) clock.value = msg.replay;
    if (msg.type === "reset") {
      for (const fn of resetListeners) fn(Date.parse(msg.replay.time), msg.vehicles || []);
      shown.value = msg.replay.time;
      if (!rested) {
        rested = true;
        // After the frame that paints this snapshot.
        requestAnimationFrame(() => setTimeout(loadRest, 0));
      }
    }
  };
  sock.onclose = () => {
    if (ws === sock) replayError.value = "the replay connection closed: open the sortie again";
  };
}

export function closeReplay() {
  const sock = ws;
  ws = null;
  sortie.value = null;
  clock.value = null;
  markers.value = [];
  plotData.value = null;
  replayError.value = "";
  shown.value = null;
  series.clear();
  seriesVersion.value++;
  if (sock) sock.close();
  clearVehicles();
  clearEvents();
}
