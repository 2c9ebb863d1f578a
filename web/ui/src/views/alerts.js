// Alerts: loaded from the server when the page opens and kept live, one
// line per alert, coloured by severity, an optional sound for critical ones,
// and acknowledgement with an optional note that every operator sees. A
// burst of notices of one type (every drone's link-up after a restart) is
// one row that opens to its alerts (src/alertgroups.js says which alerts
// are grouped and why warnings never are). Events the live stream let go
// are said and read again (src/missed.js).
import { signal, effect } from "@preact/signals";
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { alerts, can, notify, select, vehicles, eventsMissed } from "../state.js";
import { acknowledgeAlert } from "../alertack.js";
import { alertKey, groupAlerts, groupTitle } from "../alertgroups.js";
import { rereadMissed, dismissMissed } from "../missed.js";

const severityNames = ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"];
export const soundOn = signal(localStorage.getItem("bw-alert-sound") === "1");
const showAcked = signal(true);
effect(() => localStorage.setItem("bw-alert-sound", soundOn.value ? "1" : "0"));

export function severityClass(sev) {
  return sev <= 2 ? "high" : sev <= 4 ? "mid" : "low";
}

// A short tone made by the browser (no sound file to load or host).
let audio = null;
function beep() {
  try {
    audio = audio || new AudioContext();
    const o = audio.createOscillator();
    const g = audio.createGain();
    o.frequency.value = 880;
    g.gain.setValueAtTime(0.15, audio.currentTime);
    g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.4);
    o.connect(g).connect(audio.destination);
    o.start();
    o.stop(audio.currentTime + 0.4);
  } catch {
    // No audio device (a headless browser): the line is still red.
  }
}

// Ring for critical alerts that arrive after the page opened and are not acknowledged.
const heard = new Set();
let primed = false;
effect(() => {
  const list = alerts.value;
  let ring = false;
  for (const a of list) {
    const k = alertKey(a);
    if (heard.has(k)) continue;
    heard.add(k);
    if (primed && a.severity <= 2 && !a.ack) ring = true;
  }
  primed = true;
  if (ring && soundOn.value) beep();
});

function AckForm({ a, done }) {
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    try {
      await acknowledgeAlert(a, note);
      done();
    } catch (err) {
      notify("error", `Acknowledge: ${err.message}`);
      setBusy(false);
    }
  };
  return html`<form class="bw-ack-form" onSubmit=${submit}>
    <input class="bw-ack-note" placeholder="Note (optional)" maxlength="500" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} />
    <button class="bw-btn bw-btn-small bw-btn-primary" type="submit" disabled=${busy}>Acknowledge</button>
    <button class="bw-btn bw-btn-small" type="button" onClick=${done}>Cancel</button>
  </form>`;
}

// selectAlertVehicle selects the alert's drone (and opens its panel) as a
// click on the map or the fleet list does.
function selectAlertVehicle(a, e) {
  const id = a.vehicle ?? a.sysid;
  if (!vehicles.peek().has(id)) {
    notify("info", `Drone ${id} is not in the fleet now.`);
    return;
  }
  select([id], e.ctrlKey || e.metaKey || e.shiftKey);
}

function AlertLine({ a }) {
  const [acking, setAcking] = useState(false);
  const sev = a.severity ?? 6;
  const what = a.type ? a.type.replace(/_/g, " ") : "alert";
  const acked = !!a.ack;
  return html`<li class=${`bw-alert bw-sev-${severityClass(sev)}${acked ? " bw-alert-acked" : ""}`} data-type=${a.type === "status_text" ? "status_text" : "alert"} data-alert-type=${a.type || ""} data-vehicle=${a.vehicle ?? a.sysid} data-id=${a.id || ""} data-state=${acked ? "acknowledged" : "open"}>
    <div class="bw-alert-line">
      <span class="bw-alert-time">${new Date(a.time).toLocaleTimeString()}</span>
      <button type="button" class="bw-alert-who" title="Select this drone" onClick=${(e) => selectAlertVehicle(a, e)}>drone ${a.vehicle || a.sysid}</button>
      <span class="bw-alert-sev">${severityNames[sev] || ""}</span>
      <span class="bw-alert-what">${what}:</span>
      <span class="bw-alert-text">${a.text}</span>
      ${!acked && !acking && a.id && can("command") && html`<button class="bw-btn bw-btn-small bw-ack" onClick=${() => setAcking(true)}>Ack</button>`}
    </div>
    ${acked && html`<div class="bw-alert-ack">✓ acknowledged by <b class="bw-ack-user">${a.ack.user}</b> ${new Date(a.ack.time).toLocaleTimeString()}${a.ack.note ? html` — <q class="bw-ack-text">${a.ack.note}</q>` : ""}</div>`}
    ${acking && html`<${AckForm} a=${a} done=${() => setAcking(false)} />`}
  </li>`;
}

// A group opens this many rows at a time: 2000 link-ups are a click more,
// not 2000 rows drawn at once.
const groupPage = 200;

function timeSpan(first, last) {
  const a = new Date(first).toLocaleTimeString();
  const b = new Date(last).toLocaleTimeString();
  return a === b ? a : `${a}–${b}`;
}

function AlertGroup({ g }) {
  const [open, setOpen] = useState(false);
  const [shown, setShown] = useState(groupPage);
  const n = g.alerts.length;
  const rest = n - shown;
  return html`<li class=${`bw-alert-group bw-sev-${severityClass(g.severity)}${g.open === 0 ? " bw-alert-acked" : ""}`} data-type="group" data-alert-type=${g.type || ""} data-count=${n} data-vehicles=${g.vehicles} data-open=${g.open}>
    <div class="bw-alert-line">
      <button type="button" class="bw-btn bw-btn-small bw-alert-expand" aria-expanded=${open ? "true" : "false"} title=${open ? "Hide the alerts of this burst" : "Show every alert of this burst"} onClick=${() => setOpen(!open)}>${open ? "▾ Hide" : `▸ Show ${n}`}</button>
      <span class="bw-alert-time">${timeSpan(g.first, g.last)}</span>
      <span class="bw-alert-sev">${severityNames[g.severity] || ""}</span>
      <span class="bw-alert-group-title">${groupTitle(g)}</span>
      <span class="bw-alert-group-open">${g.open === 0 ? "all acknowledged" : `${g.open} open`}</span>
    </div>
    ${open && html`<ul class="bw-alerts bw-alert-group-rows">
      ${g.alerts.slice(0, shown).map((a) => html`<${AlertLine} key=${alertKey(a)} a=${a} />`)}
      ${rest > 0 && html`<li class="bw-alert-more"><button type="button" class="bw-btn bw-btn-small" onClick=${() => setShown(shown + groupPage)}>Show ${Math.min(rest, groupPage)} more (${rest} not shown)</button></li>`}
    </ul>`}
  </li>`;
}

// MissedBanner says how many live events this page missed and whether
// they were read again from the server.
function MissedBanner() {
  const m = eventsMissed.value;
  if (!m) return null;
  const n = `${m.count} live event${m.count === 1 ? "" : "s"}`;
  let text;
  if (m.state === "done") text = `${n} missed (too many at once for the live stream): alerts and detections read again from the server at ${new Date(m.at).toLocaleTimeString()}.`;
  else if (m.state === "failed") text = `${n} missed (too many at once for the live stream), and reading them again failed: ${m.error}`;
  else text = `${n} missed (too many at once for the live stream): reading the alerts and detections again from the server…`;
  return html`<div id="bw-alerts-missed" class=${`bw-alerts-missed bw-alerts-missed-${m.state}`} data-state=${m.state} data-count=${m.count} role=${m.state === "failed" ? "alert" : "status"}>
    <span>${text}</span>
    ${m.state === "failed" && html`<button type="button" class="bw-btn bw-btn-small" id="bw-alerts-reread" onClick=${rereadMissed}>Read again</button>`}
    ${m.state === "done" && html`<button type="button" class="bw-btn bw-btn-small" onClick=${dismissMissed}>OK</button>`}
  </div>`;
}

export function AlertsView() {
  const list = alerts.value.filter((a) => showAcked.value || !a.ack);
  const open = alerts.value.filter((a) => !a.ack).length;
  const rows = groupAlerts(list);
  return html`<section class="bw-alerts-view">
    <${MissedBanner} />
    <div class="bw-view-tools">
      <span>${alerts.value.length} alerts · ${open} open</span>
      <label class="bw-check"><input type="checkbox" checked=${showAcked.value} onChange=${(e) => (showAcked.value = e.currentTarget.checked)} /> show acknowledged</label>
      <label class="bw-check" title="Play a tone when a critical alert arrives"><input type="checkbox" id="bw-alert-sound" checked=${soundOn.value} onChange=${(e) => (soundOn.value = e.currentTarget.checked)} /> sound</label>
    </div>
    <ul id="bw-alerts" class="bw-alerts">
      ${list.length === 0 && html`<li class="bw-empty">No alert.</li>`}
      ${rows.map((r) => (r.group ? html`<${AlertGroup} key=${r.group.key} g=${r.group} />` : html`<${AlertLine} key=${alertKey(r.alert)} a=${r.alert} />`))}
    </ul>
  </section>`;
}
