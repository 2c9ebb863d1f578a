// Alerts: loaded from the server when the page opens and kept live, one
// line per alert, coloured by severity, an optional sound for critical ones,
// and acknowledgement with an optional note that every operator sees.
import { signal, effect } from "@preact/signals";
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { alerts, can, notify } from "../state.js";
import { acknowledgeAlert } from "../alertack.js";
import { alertKey } from "../events.js";

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

function AlertLine({ a }) {
  const [acking, setAcking] = useState(false);
  const sev = a.severity ?? 6;
  const what = a.type ? a.type.replace(/_/g, " ") : "alert";
  const acked = !!a.ack;
  return html`<li class=${`bw-alert bw-sev-${severityClass(sev)}${acked ? " bw-alert-acked" : ""}`} data-type=${a.type === "status_text" ? "status_text" : "alert"} data-id=${a.id || ""} data-state=${acked ? "acknowledged" : "open"}>
    <div class="bw-alert-line">
      <span class="bw-alert-time">${new Date(a.time).toLocaleTimeString()}</span>
      <span class="bw-alert-who">drone ${a.vehicle || a.sysid}</span>
      <span class="bw-alert-sev">${severityNames[sev] || ""}</span>
      <span class="bw-alert-what">${what}:</span>
      <span class="bw-alert-text">${a.text}</span>
      ${!acked && !acking && a.id && can("command") && html`<button class="bw-btn bw-btn-small bw-ack" onClick=${() => setAcking(true)}>Ack</button>`}
    </div>
    ${acked && html`<div class="bw-alert-ack">✓ acknowledged by <b class="bw-ack-user">${a.ack.user}</b> ${new Date(a.ack.time).toLocaleTimeString()}${a.ack.note ? html` — <q class="bw-ack-text">${a.ack.note}</q>` : ""}</div>`}
    ${acking && html`<${AckForm} a=${a} done=${() => setAcking(false)} />`}
  </li>`;
}

export function AlertsView() {
  const list = alerts.value.filter((a) => showAcked.value || !a.ack);
  const open = alerts.value.filter((a) => !a.ack).length;
  return html`<section class="bw-alerts-view">
    <div class="bw-view-tools">
      <span>${alerts.value.length} alerts · ${open} open</span>
      <label class="bw-check"><input type="checkbox" checked=${showAcked.value} onChange=${(e) => (showAcked.value = e.currentTarget.checked)} /> show acknowledged</label>
      <label class="bw-check" title="Play a tone when a critical alert arrives"><input type="checkbox" id="bw-alert-sound" checked=${soundOn.value} onChange=${(e) => (soundOn.value = e.currentTarget.checked)} /> sound</label>
    </div>
    <ul id="bw-alerts" class="bw-alerts">
      ${list.length === 0 && html`<li class="bw-empty">No alert.</li>`}
      ${list.map((a) => html`<${AlertLine} key=${alertKey(a)} a=${a} />`)}
    </ul>
  </section>`;
}
