// The live stream: /ws/live, reconnecting with back-off.
import { onVehicles } from "./fleet.js";
import { onEvents } from "./events.js";

let ws = null;
let wanted = false;

function setStatus(text, up) {
  const conn = document.getElementById("bw-conn");
  conn.textContent = text;
  conn.className = `bw-conn ${up ? "bw-conn-up" : "bw-conn-down"}`;
}

function connect(delay) {
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  const sock = new WebSocket(`${proto}//${location.host}/ws/live`);
  ws = sock;
  sock.onopen = () => {
    setStatus("live", true);
    delay = 500;
  };
  sock.onmessage = (ev) => {
    if (ws !== sock) return;
    const msg = JSON.parse(ev.data);
    if (msg.type === "vehicles") onVehicles(msg.vehicles);
    else if (msg.type === "events") onEvents(msg.events);
  };
  sock.onclose = () => {
    if (ws !== sock || !wanted) return;
    setStatus("reconnecting…", false);
    setTimeout(() => wanted && ws === sock && connect(Math.min(delay * 2, 10000)), delay);
  };
}

// startLive (re)connects; the server sends every vehicle first, so the map is complete at once.
export function startLive() {
  wanted = true;
  connect(500);
}

export function stopLive() {
  wanted = false;
  const sock = ws;
  ws = null;
  if (sock) sock.close();
}
