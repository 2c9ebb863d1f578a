// The headquarters' alerts and detections of every station, newest first,
// each with its station's name, from the /ws/federation stream (src/hq/stream.js).
// A click on a detection (or an alert with a place) centres the map there.
// A burst of alerts (a station's network coming back: a link-up per drone)
// is one row that opens to its alerts, by the operator list's rule
// (src/alertgroups.js: warnings and worse stay rows unless they are a mass).
import { signal } from "@preact/signals";
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { map } from "../map/map.js";
import { hqAlerts, hqDetections, eventKey } from "./stream.js";
import { groupAlerts, groupTitle, groupSpan } from "../alertgroups.js";

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

// asAlert gives a station's alert event the shape src/alertgroups.js
// reads; ev is the event itself, for its row.
function asAlert(e) {
  const d = e.data || {};
  return { id: eventKey(e), time: e.time, vehicle: `${e.station}/${e.vehicle ?? d.vehicle ?? d.sysid}`, type: d.type, severity: d.severity, text: d.text, ev: e };
}

function EventRow({ e }) {
  const at = place(e);
  return html`<li data-key=${eventKey(e)} data-type=${e.type} data-station=${e.station} class=${`bw-hq-event ${sevClass(e)}${at ? " bw-clickable" : ""}`}
    onClick=${() => at && map.setView(at, Math.max(map.getZoom(), 14))}>
    <span class="bw-hq-time">${new Date(e.time).toLocaleTimeString()}</span>
    <b class="bw-hq-station">${e.station}</b>
    <span class="bw-hq-kind">${e.type}</span>
    <span class="bw-hq-text">${describe(e)}</span>
  </li>`;
}

// A group opens this many rows at a time.
const groupPage = 200;

function EventGroup({ g }) {
  const [open, setOpen] = useState(false);
  const [shown, setShown] = useState(groupPage);
  const n = g.alerts.length;
  const stations = [...new Set(g.alerts.map((a) => a.ev.station))];
  return html`<li class=${`bw-hq-event bw-hq-group ${sevClass(g.alerts[0].ev)}`} data-type="group" data-alert-type=${g.type || ""} data-count=${n} data-vehicles=${g.vehicles} data-station=${stations.length === 1 ? stations[0] : ""}>
    <div class="bw-hq-group-line">
      <button type="button" class="bw-btn bw-btn-small bw-alert-expand" aria-expanded=${open ? "true" : "false"} onClick=${() => setOpen(!open)}>${open ? "▾ Hide" : `▸ Show ${n}`}</button>
      <span class="bw-hq-time">${groupSpan(g)}</span>
      <b class="bw-hq-station">${stations.join(", ")}</b>
      <span class="bw-hq-text bw-alert-group-title">${severityNames[g.severity] || ""} ${groupTitle(g)}</span>
    </div>
    ${open && html`<ul class="bw-hq-events bw-hq-group-rows">
      ${g.alerts.slice(0, shown).map((a) => html`<${EventRow} key=${a.id} e=${a.ev} />`)}
      ${n > shown && html`<li class="bw-hq-event"><button type="button" class="bw-btn bw-btn-small" onClick=${() => setShown(shown + groupPage)}>Show ${Math.min(n - shown, groupPage)} more (${n - shown} not shown)</button></li>`}
    </ul>`}
  </li>`;
}

export function HQEventsView() {
  const pick = showing.value;
  // Rows newest first: alerts (bursts folded) and detections.
  const rows = [];
  if (pick !== "detections") for (const r of groupAlerts(hqAlerts.value.map(asAlert))) rows.push(r.group ? { t: r.group.last, group: r.group } : { t: Date.parse(r.alert.time), e: r.alert.ev });
  if (pick !== "alerts") for (const e of hqDetections.value) rows.push({ t: Date.parse(e.time), e });
  if (pick === "all") rows.sort((a, b) => b.t - a.t);
  const tab = (id, label, n) =>
    html`<button class=${`bw-btn bw-btn-small${pick === id ? " bw-btn-primary" : ""}`} data-show=${id} aria-pressed=${pick === id ? "true" : "false"} onClick=${() => (showing.value = id)}>${label}${n != null ? ` (${n})` : ""}</button>`;
  return html`<div class="bw-hq" id="bw-hq-events-view">
    <div class="bw-command-row">${tab("all", "All")} ${tab("alerts", "Alerts", hqAlerts.value.length)} ${tab("detections", "Detections", hqDetections.value.length)}</div>
    ${!rows.length && html`<p class="bw-empty">Nothing from the stations yet.</p>`}
    <ul class="bw-hq-events" id="bw-hq-events">
      ${rows.map((r) => (r.group ? html`<${EventGroup} key=${r.group.key} g=${r.group} />` : html`<${EventRow} key=${eventKey(r.e)} e=${r.e} />`))}
    </ul>
  </div>`;
}
