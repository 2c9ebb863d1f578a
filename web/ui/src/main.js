// Borderwatch map: live fleet, detections and alerts, and replay of sorties.
import { loadLayers } from "./map.js";
import { clearFleet, haveVehicles } from "./fleet.js";
import { clearEvents, detectionLayer } from "./events.js";
import { startLive, stopLive } from "./live.js";
import { closeReplay, initReplayControls, loadSorties } from "./replay.js";

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

for (const b of document.querySelectorAll(".bw-tab")) b.onclick = () => setMode(b.dataset.mode);
initReplayControls();

loadLayers({ Detections: detectionLayer }, () => !haveVehicles()).catch((err) => {
  document.getElementById("bw-conn").textContent = `layers: ${err.message}`;
});
setMode("live");
