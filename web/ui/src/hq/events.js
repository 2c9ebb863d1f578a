// The headquarters' alerts and detections of every station, newest first,
// each with its station's name, from the /ws/federation stream (src/hq/stream.js).
// A click on a detection (or an alert with a place) centres the map there.
import { signal } from "@preact/signals";
import { html } from "../html.js";
import { map } from "../map/map.js";
import { hqAlerts, hqDetections, eventKey } from "./stream.js";

const severityNames = ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"];
// showing: "alerts", "detections" or "all".
const showing = signal("all");

function place(e) {
  const d = e.data || {};
  if (typeof d.lat === "number" && typeof d.lon === "number") return [d.lat, d.lon];
  if (d.place && typeof d.place.lat === "number") return [d.place.lat, d.place.lon];
  return null;
}

function describe(e) {
  const d = e.data || {};
  if (e.type === "detection") return `${d.class || "detection"} · track ${d.track_id} · ${d.confidence_pct} %${d.sensor ? ` · ${d.sensor}` : ""}`;
  return `${severityNames[d.severity] || ""} ${d.type || "alert"}: ${d.text || ""}`;
}

function sevClass(e) {
  if (e.type !== "alert") return "bw-sev-low";
  const s = (e.data || {}).severity;
  return s <= 2 ? "bw-sev-high" : s <= 4 ? "bw-sev-mid" : "bw-sev-low";
}

export function HQEventsView() {
  const pick = showing.value;
  let list = pick === "alerts" ? hqAlerts.value : pick === "detections" ? hqDetections.value : [...hqAlerts.value, ...hqDetections.value];
  if (pick === "all") list = list.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  const tab = (id, label, n) =>
    html`<button class=${`bw-btn bw-btn-small${pick === id ? " bw-btn-primary" : ""}`} data-show=${id} aria-pressed=${pick === id ? "true" : "false"} onClick=${() => (showing.value = id)}>${label}${n != null ? ` (${n})` : ""}</button>`;
  return html`<div class="bw-hq" id="bw-hq-events-view">
    <div class="bw-command-row">${tab("all", "All")} ${tab("alerts", "Alerts", hqAlerts.value.length)} ${tab("detections", "Detections", hqDetections.value.length)}</div>
    ${!list.length && html`<p class="bw-empty">Nothing from the stations yet.</p>`}
    <ul class="bw-hq-events" id="bw-hq-events">
      ${list.map((e) => {
        const at = place(e);
        return html`<li key=${eventKey(e)} data-key=${eventKey(e)} data-type=${e.type} data-station=${e.station} class=${`bw-hq-event ${sevClass(e)}${at ? " bw-clickable" : ""}`}
          onClick=${() => at && map.setView(at, Math.max(map.getZoom(), 14))}>
          <span class="bw-hq-time">${new Date(e.time).toLocaleTimeString()}</span>
          <b class="bw-hq-station">${e.station}</b>
          <span class="bw-hq-kind">${e.type}</span>
          <span class="bw-hq-text">${describe(e)}</span>
        </li>`;
      })}
    </ul>
  </div>`;
}
