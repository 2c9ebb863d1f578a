// Detections: one line per track (class, confidence, track, time, which
// drone saw it), newest first. Clicking a line zooms the map to it and
// highlights it; "Send a drone" asks the server for the nearest drone that
// can get there and back, and sends it after the operator confirms.
import { html } from "../html.js";
import { detections, highlightedDetection, can } from "../state.js";
import { detectionClass, zoomToDetection } from "../map/detections.js";
import { SendDrone } from "./senddrone.js";

export function DetectionsView() {
  const list = [...detections.value.values()].sort((a, b) => Date.parse(b.last.time) - Date.parse(a.last.time));
  const hl = highlightedDetection.value;
  return html`<section class="bw-detections-view">
    <div class="bw-view-tools"><span>Detections <span id="bw-detection-count" class="bw-count">${list.length}</span> tracks</span></div>
    <${SendDrone} />
    <table class="bw-fleet bw-detections">
      <thead><tr><th>Class</th><th class="bw-num-col">Conf.</th><th>Track</th><th>Time</th><th>Drone</th>${can("command") && html`<th></th>`}</tr></thead>
      <tbody id="bw-detections-body">
        ${list.length === 0 && html`<tr class="bw-empty"><td colspan="6">No detection.</td></tr>`}
        ${list.map(({ key, last: d }) => html`<tr key=${key} data-key=${key} class=${key === hl ? "bw-row-selected" : ""} onClick=${(e) => !e.target.closest("button") && zoomToDetection(key)}>
          <td><span class="bw-det-symbol">${detectionClass(d.class).symbol}</span> ${d.class}</td>
          <td class="bw-num-col">${d.confidence_pct}%</td>
          <td>${d.track_id}</td>
          <td>${new Date(d.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false })}</td>
          <td>${d.vehicle || d.sysid}</td>
          ${can("command") && html`<td><${SendDrone.Button} d=${d} /></td>`}
        </tr>`)}
      </tbody>
    </table>
  </section>`;
}
