// Borderwatch map: live fleet, detections and alerts, and replay of sorties.
import { loadLayers } from "./map.js";
import { clearFleet, haveVehicles } from "./fleet.js";
import { clearEvents, detectionLayer } from "./events.js";
import { startLive, stopLive } from "./live.js";
import { closeReplay, initReplayControls, loadSorties } from "./replay.js";
import { ensureLogin } from "./login.js";

function setMode(mode) {
  for (const b of document.querySelectorAll(".bw-tab")) b.classList.toggle("bw-tab-active", b.dataset.mode === mode);
  document.getElementById("bw-replay").hidden = mode !== "replay";
  clearFleet();
  clearEvents();
  if (mode === "live") {
    closeReplay();
    startLive();
  } else {
    stopLive();
    const conn = document.getElementById("bw-conn");
    conn.textContent = "replay";
    conn.className = "bw-conn bw-conn-replay";
    loadSorties();
  }
}

function start() {
  for (const b of document.querySelectorAll(".bw-tab[data-mode]")) b.onclick = () => setMode(b.dataset.mode);
  initReplayControls();

  loadLayers({ Detections: detectionLayer }, () => !haveVehicles()).catch((err) => {
    document.getElementById("bw-conn").textContent = `layers: ${err.message}`;
  });
  setMode("live");
}

// Nothing is fetched before the user is logged in (the API answers 401).
ensureLogin().then(start, (err) => {
  document.getElementById("bw-conn").textContent = `login: ${err.message}`;
});
