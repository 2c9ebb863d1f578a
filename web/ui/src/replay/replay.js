// Replay (ported from the first UI; the supervisor helper rebuilds it): pick
// a sortie, then the whole fleet of that time window is replayed through
// /ws/replay (the server decodes stored frames with the live code), with
// play, pause, step, speed and seek. Opening this tab stops the live stream.
import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api } from "../api.js";
import { applyVehicles, clearVehicles } from "../fleet.js";
import { onStreamEvents, clearEvents } from "../events.js";
import { setDetectionClock } from "../map/detections.js";
import { setRemoteIDClock } from "../map/remoteid.js";

const clock = signal(null); // the last replay clock from the server
const title = signal("");
const error = signal("");
let ws = null;

function send(cmd) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(cmd));
}

function fmtDuration(s) {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
}

// openReplay replays the sortie's time window: the whole live fleet in sync
// for live recordings, the imported file's own stream for an import.
function openReplay(s) {
  closeReplay();
  const params = new URLSearchParams();
  if (s.stream === 0) {
    params.set("from", s.start);
    // An open sortie has no end yet: replay up to now.
    params.set("to", s.open ? new Date().toISOString() : new Date(Date.parse(s.end) + 1).toISOString());
  } else {
    params.set("sortie", String(s.id));
  }
  params.set("play", "1");
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const sock = new WebSocket(`${proto}//${location.host}/ws/replay?${params}`);
  ws = sock;
  title.value = `Sortie ${s.id} (drone ${s.sysid})${s.stream === 0 ? " with the whole fleet" : ""}`;
  sock.onmessage = (ev) => {
    if (ws !== sock) return;
    const msg = JSON.parse(ev.data);
    if (msg.error) error.value = msg.error;
    if (msg.vehicles?.length) applyVehicles(msg.vehicles);
    onStreamEvents(msg.events);
    if (msg.replay) clock.value = msg.replay;
  };
  sock.onclose = () => {
    if (ws === sock) error.value = "replay connection closed";
  };
}

function closeReplay() {
  const sock = ws;
  ws = null;
  clock.value = null;
  title.value = "";
  error.value = "";
  if (sock) sock.close();
  clearVehicles();
  clearEvents();
}

function Controls() {
  const c = clock.value;
  const [drag, setDrag] = useState(null);
  if (!title.value) return null;
  const from = c ? Date.parse(c.from) : 0;
  const to = c ? Date.parse(c.to) : 0;
  const t = c ? Date.parse(c.time) : 0;
  return html`<div id="bw-replay-controls" class="bw-replay-controls">
    <div id="bw-replay-title" class="bw-replay-title">${title.value}</div>
    <input id="bw-replay-slider" type="range" min="0" max=${Math.max(0, to - from)} step="100" value=${drag ?? t - from}
      onInput=${(e) => setDrag(parseInt(e.currentTarget.value, 10))}
      onChange=${(e) => {
        setDrag(null);
        if (c) send({ cmd: "seek", time: new Date(from + parseInt(e.currentTarget.value, 10)).toISOString() });
      }} />
    <div class="bw-replay-buttons">
      <button class="bw-btn" id="bw-replay-play" onClick=${() => send({ cmd: c?.playing ? "pause" : "play" })}>${c?.playing ? "Pause" : "Play"}</button>
      <button class="bw-btn" id="bw-replay-step" onClick=${() => send({ cmd: "step" })}>Step</button>
      <select id="bw-replay-speed" title="Replay speed" value=${String(c?.speed ?? 1)} onChange=${(e) => send({ cmd: "speed", speed: parseFloat(e.currentTarget.value) })}>
        ${[0.1, 0.5, 1, 2, 5, 10, 50, 100].map((s) => html`<option key=${s} value=${String(s)}>${s}×</option>`)}
      </select>
      <button class="bw-btn" onClick=${closeReplay}>Close</button>
    </div>
    <div id="bw-replay-clock" class="bw-replay-clock">${c ? `${new Date(t).toLocaleString()} · ${c.speed}×${c.ended ? " · end" : ""}` : "opening…"}</div>
    <div id="bw-replay-error" class="bw-lost">${error.value}</div>
  </div>`;
}

export function ReplayView() {
  const [sorties, setSorties] = useState(null);
  const [loadError, setLoadError] = useState("");
  useEffect(() => {
    setDetectionClock(() => (clock.peek() ? Date.parse(clock.peek().time) : Date.now()));
    setRemoteIDClock(() => (clock.peek() ? Date.parse(clock.peek().time) : Date.now()));
    api("GET", "/api/v1/sorties")
      .then((list) => setSorties(list.sort((a, b) => Date.parse(b.start) - Date.parse(a.start))))
      .catch((err) => setLoadError(err.message));
    return () => {
      setDetectionClock(() => Date.now());
      setRemoteIDClock(() => Date.now());
      const sock = ws;
      ws = null;
      clock.value = null;
      title.value = "";
      if (sock) sock.close();
    };
  }, []);
  return html`<section id="bw-replay" class="bw-replay-view">
    <${Controls} />
    <div class="bw-table-wrap">
    <table class="bw-fleet bw-sorties">
      <thead><tr><th>ID</th><th>Drone</th><th>Start</th><th>Length</th><th>Det.</th><th></th></tr></thead>
      <tbody id="bw-sorties-body">
        ${loadError && html`<tr><td colspan="6" class="bw-error">Sorties unavailable: ${loadError}</td></tr>`}
        ${sorties && sorties.length === 0 && html`<tr class="bw-empty"><td colspan="6">No sortie recorded yet.</td></tr>`}
        ${(sorties || []).map(
          (s) => html`<tr key=${s.id} data-sortie=${s.id}>
            <td>${s.id}</td><td>${s.sysid}</td><td>${new Date(s.start).toLocaleString()}</td>
            <td>${fmtDuration(s.duration_s)}${s.open ? " (flying)" : ""}</td><td>${s.detections}</td>
            <td><button class="bw-btn bw-btn-small bw-replay-open" onClick=${() => openReplay(s)}>Replay</button></td>
          </tr>`,
        )}
      </tbody>
    </table>
    </div>
  </section>`;
}
