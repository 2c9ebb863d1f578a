// The headquarters' command panel: the local vehicle panel's command
// buttons (src/views/commands.js, the same confirmation and answers) on a
// station's vehicle, sent through the forward route
// POST /api/v1/federation/stations/{station}/vehicles/{id}/commands; the
// station runs it as this user with this user's role and answers. Its
// answer, or the error text, is shown under the buttons.
import { html } from "../html.js";
import { can } from "../state.js";
import { CommandBar, answers, busy } from "../views/commands.js";
import { hqVehicles } from "./stream.js";

const stationPath = (v) => `/api/v1/federation/stations/${encodeURIComponent(v.station)}/vehicles/${encodeURIComponent(v.id)}`;

// hqTarget: every station's vehicles, keyed "station/id".
export const hqTarget = {
  vehicles: () => hqVehicles.value,
  commandPath: (key) => `${stationPath(hqVehicles.value.get(key))}/commands`,
  fleetPath: null, // one forwarded request per vehicle
  modes: { path: (v) => `${stationPath(v)}/modes`, key: (v) => v.key },
  name: (v) => v.key,
};

// HQCommandPanel: commands for the station vehicle key (operators only).
export function HQCommandPanel({ vkey }) {
  if (!can("command")) return null;
  const v = hqVehicles.value.get(vkey);
  if (!v) return null;
  const answer = answers.value.get(vkey);
  return html`<section class="bw-hq-command" id="bw-hq-command" data-key=${vkey} aria-label=${`Commands for ${vkey}`}>
    <h3>Command ${vkey} <span class="bw-hint">through station ${v.station}</span></h3>
    ${v.stale && html`<p class="bw-danger-text" role="alert">No state from this drone for ${Math.round(v.age_s || 0)} s: the station may not reach it.</p>`}
    <${CommandBar} ids=${[vkey]} target=${hqTarget} />
    ${busy.value.get(vkey) && html`<div class="bw-hint" role="status">Waiting for station ${v.station}…</div>`}
    ${answer &&
    html`<div class=${`bw-answer ${answer.ok ? "bw-answer-ok" : "bw-answer-error"}`} id="bw-hq-answer" role="status">
      <b>${answer.command}:</b> ${answer.text}</div>`}
  </section>`;
}
