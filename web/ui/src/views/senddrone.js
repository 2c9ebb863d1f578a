// "Send a drone": for a detection or a point picked on the map, the server
// proposes the nearest drone that can get there and back on its battery,
// inside its fence and around no-fly zones; the operator confirms, and the
// drone goes there and loiters. The endpoint is the api helper's
// (docs/api.md, "Send a drone").
import L from "leaflet";
import { signal, effect } from "@preact/signals";
import { map } from "../map/map.js";
import { html } from "../html.js";
import { api } from "../api.js";
import { notify, vehicles, select, can } from "../state.js";
import { callsign } from "../map/drones.js";
import { pickPoint } from "../map/pick.js";

// proposal: {target: {lat, lon, label}, answer, busy, error} while a send is being decided.
export const proposal = signal(null);

// The proposed route is drawn on the map until the operator decides.
const routeLine = L.polyline([], { pane: "bw-plans", color: "#ff6f00", weight: 4, dashArray: "8 6", interactive: false, className: "bw-dispatch-route" });
effect(() => {
  const route = proposal.value?.answer?.route;
  if (route && route.length) {
    routeLine.setLatLngs(route.map((p) => [p.lat, p.lon])).addTo(map);
  } else routeLine.remove();
});

// A target may name a TAK marker (tak_uid): the server then takes the
// position from the marker it holds (src/map/tak.js).
const targetBody = (t) => (t.tak_uid ? { lat: t.lat, lon: t.lon, tak_uid: t.tak_uid } : { lat: t.lat, lon: t.lon });

export async function proposeDispatch(target) {
  proposal.value = { target, busy: true };
  try {
    const answer = await api("POST", "/api/v1/dispatch/propose", targetBody(target));
    proposal.value = { target, answer };
  } catch (err) {
    proposal.value = { target, error: err.message };
  }
}

async function confirmSend() {
  const p = proposal.value;
  if (!p || !p.answer) return;
  proposal.value = { ...p, busy: true };
  try {
    const out = await api("POST", "/api/v1/dispatch", { id: p.answer.id, ...targetBody(p.target) });
    const v = vehicles.value.get(p.answer.id);
    notify("ok", `${v ? callsign(v) : `Drone ${p.answer.id}`} sent to ${p.target.label}: ${out.result || "accepted"}`);
    select([p.answer.id]);
    proposal.value = null;
  } catch (err) {
    proposal.value = { ...p, busy: false, error: err.message };
  }
}

function Button({ d }) {
  if (!can("command")) return null;
  return html`<button class="bw-btn bw-btn-small bw-send-drone" title="Send the nearest drone that can get there and back"
    onClick=${() => proposeDispatch({ lat: d.lat, lon: d.lon, label: `${d.class} track ${d.track_id}` })}>Send</button>`;
}

export function SendDrone() {
  if (!can("command")) return null;
  const p = proposal.value;
  const pick = async () => {
    const pt = await pickPoint("Click the map where a drone should go and loiter.");
    if (pt) proposeDispatch({ lat: pt.lat, lon: pt.lng, label: `${pt.lat.toFixed(5)}, ${pt.lng.toFixed(5)}` });
  };
  return html`<div class="bw-send">
    ${!p && html`<button class="bw-btn" id="bw-send-point" onClick=${pick}>Send a drone to a point…</button>`}
    ${p &&
    html`<div class="bw-send-box" id="bw-send-box" role="dialog" aria-label="Send a drone">
      <div>Send a drone to <b>${p.target.label}</b></div>
      ${p.busy && html`<div>Asking the server…</div>`}
      ${p.error && html`<div class="bw-error" role="alert">${p.error}</div>`}
      ${p.answer &&
      html`<div class="bw-send-proposal">Nearest able drone: <b>${callsign(vehicles.value.get(p.answer.id) || { id: p.answer.id })}</b>
        ${p.answer.distance_m != null ? ` · ${(p.answer.distance_m / 1000).toFixed(1)} km` : ""}
        ${p.answer.eta_s != null ? ` · about ${Math.round(p.answer.eta_s / 60)} min` : ""}
        ${p.answer.battery_after_pct != null ? ` · ${Math.round(p.answer.battery_after_pct)} % left on return` : ""}</div>
      ${p.answer.rejected?.length > 0 && html`<details class="bw-hint"><summary>${p.answer.rejected.length} other drones cannot go</summary>
        <ul>${p.answer.rejected.map((r) => html`<li key=${r.id}>Drone ${r.id}: ${r.reason}</li>`)}</ul></details>`}`}
      <div class="bw-modal-buttons">
        <button class="bw-btn" onClick=${() => (proposal.value = null)}>Cancel</button>
        ${p.answer && html`<button class="bw-btn bw-btn-primary" id="bw-send-confirm" disabled=${p.busy} onClick=${confirmSend}>Send it</button>`}
      </div>
    </div>`}
  </div>`;
}
SendDrone.Button = Button;
