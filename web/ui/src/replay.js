// Replay: pick a sortie, then the whole fleet of that time window is replayed
// through /ws/replay (the server decodes stored frames with the live code),
// with play, pause, speed and seek.
import { getJSON } from "./map.js";
import { onVehicles } from "./fleet.js";
import { onEvents, setEventClock } from "./events.js";

let ws = null;
let clock = null; // the last replay clock from the server
let dragging = false;

const $ = (id) => document.getElementById(id);

function send(cmd) {
  if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(cmd));
}

function fmtDuration(s) {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
}

export async function loadSorties() {
  const body = $("bw-sorties-body");
  let sorties;
  try {
    sorties = await getJSON("/api/v1/sorties");
  } catch (err) {
    body.innerHTML = `<tr><td colspan="5">Sorties unavailable: ${err.message}</td></tr>`;
    return;
  }
  if (!sorties.length) {
    body.innerHTML = '<tr class="bw-empty"><td colspan="5">No sortie recorded yet.</td></tr>';
    return;
  }
  sorties.sort((a, b) => Date.parse(b.start) - Date.parse(a.start));
  body.replaceChildren(
    ...sorties.map((s) => {
      const tr = document.createElement("tr");
      tr.dataset.sortie = s.id;
      const cells = [
        s.id,
        s.sysid,
        new Date(s.start).toLocaleString(),
        `${fmtDuration(s.duration_s)}${s.open ? " (flying)" : ""}`,
        s.detections,
      ];
      for (const c of cells) {
        const td = document.createElement("td");
        td.textContent = c;
        tr.appendChild(td);
      }
      const td = document.createElement("td");
      const btn = document.createElement("button");
      btn.textContent = "Replay";
      btn.className = "bw-replay-open";
      btn.onclick = () => openReplay(s);
      td.appendChild(btn);
      tr.appendChild(td);
      return tr;
    }),
  );
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
  $("bw-replay-controls").hidden = false;
  $("bw-replay-title").textContent = `Sortie ${s.id} (drone ${s.sysid})${s.stream === 0 ? " with the whole fleet" : ""}`;
  sock.onmessage = (ev) => {
    if (ws !== sock) return;
    const msg = JSON.parse(ev.data);
    if (msg.error) $("bw-replay-error").textContent = msg.error;
    if (msg.vehicles?.length) onVehicles(msg.vehicles);
    onEvents(msg.events);
    if (msg.replay) showClock(msg.replay);
  };
  sock.onclose = () => {
    if (ws === sock) $("bw-replay-error").textContent = "replay connection closed";
  };
}

function showClock(c) {
  clock = c;
  const from = Date.parse(c.from);
  const to = Date.parse(c.to);
  const t = Date.parse(c.time);
  const slider = $("bw-replay-slider");
  slider.max = String(Math.max(0, to - from));
  if (!dragging) slider.value = String(t - from);
  $("bw-replay-clock").textContent = `${new Date(t).toLocaleString()} · ${c.speed}×${c.ended ? " · end" : ""}`;
  $("bw-replay-play").textContent = c.playing ? "Pause" : "Play";
}

export function closeReplay() {
  const sock = ws;
  ws = null;
  clock = null;
  if (sock) sock.close();
  $("bw-replay-controls").hidden = true;
  $("bw-replay-error").textContent = "";
}

export function initReplayControls() {
  setEventClock(() => (clock ? Date.parse(clock.time) : Date.now()));
  $("bw-replay-play").onclick = () => send({ cmd: clock?.playing ? "pause" : "play" });
  $("bw-replay-step").onclick = () => send({ cmd: "step" });
  $("bw-replay-speed").onchange = (e) => send({ cmd: "speed", speed: parseFloat(e.target.value) });
  const slider = $("bw-replay-slider");
  slider.oninput = () => (dragging = true);
  slider.onchange = () => {
    dragging = false;
    if (!clock) return;
    const t = new Date(Date.parse(clock.from) + parseInt(slider.value, 10));
    send({ cmd: "seek", time: t.toISOString() });
  };
}
