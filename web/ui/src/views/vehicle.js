// The vehicle panel: everything about the focused vehicle an operator acts
// on (mode, arming, battery, GPS, altitudes, speeds, link quality, pre-arm
// and status texts, mission progress, signing), its plan on the map, the
// commands, and the vehicle's last answer.
import { useLayoutEffect, useRef } from "preact/hooks";
import { signal, effect } from "@preact/signals";
import { html } from "../html.js";
import { setCoveredLeft } from "../map/map.js";
import { vehicles, selected, clearSelection } from "../state.js";
import { manyNetworks, networkName } from "../networks.js";
import { callsign, droneState, droneStates } from "../map/drones.js";
import { vehiclePlan, loadVehiclePlan, planIndexOf } from "../map/vehicleplan.js";
import { CommandBar, answers } from "./commands.js";
// app.js imports this view too: showTab is only called on a click, after both have loaded.
import { showTab } from "../app.js";

const severityNames = ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG"];
const fenceEnabledText = { enabled: "enabled", disabled: "disabled" };
const stateLabel = Object.fromEntries(droneStates.map((s) => [s.id, s.label]));

// detailsShown: the panel shows every field, or only its summary line and
// the commands, which leaves most of the map free (a 1024×768 tablet).
// The operator's choice is kept; a narrow screen starts compact.
const stored = localStorage.getItem("bw-vehicle-details");
export const detailsShown = signal(stored ? stored === "1" : window.innerWidth > 1100);
effect(() => localStorage.setItem("bw-vehicle-details", detailsShown.value ? "1" : "0"));

export function fmt(n, digits = 0, unit = "") {
  if (n == null || !Number.isFinite(n)) return "–";
  return `${n.toFixed(digits)}${unit}`;
}

function Row({ label, children, id }) {
  return html`<tr data-field=${id}><th>${label}</th><td>${children}</td></tr>`;
}

function MissionProgress({ v }) {
  const vp = vehiclePlan.value;
  const total = v.mission_total;
  if (!total || total < 0 || total === 65535) return html`no mission`;
  const idx = planIndexOf(v);
  const planItems = vp?.plan?.mission?.items?.length;
  const cur = idx + 1;
  const of = planItems ?? total; // mission_total counts without ArduPilot's home
  return html`item <b>${cur}</b> of ${of}${v.mission_reached >= 0 ? ` · reached ${v.mission_reached + 1}` : ""}`;
}

export function VehiclePanel({ id }) {
  const box = useRef(null);
  useLayoutEffect(() => {
    const el = box.current;
    setCoveredLeft(el ? el.offsetLeft + el.offsetWidth : 0);
    return () => setCoveredLeft(0);
  }, []);
  const v = vehicles.value.get(id);
  const close = () => clearSelection();
  if (!v) return html`<section class="bw-vehicle bw-overlay-box" id="bw-vehicle" ref=${box}><p>Vehicle ${id} is not heard.</p><button class="bw-btn" onClick=${close}>Close</button></section>`;
  const state = droneState(v);
  const ls = v.link_stats || {};
  const answer = answers.value.get(id);
  const vp = vehiclePlan.value;
  const texts = (v.status_texts || []).slice(-5).reverse();
  const sel = [...selected.value];
  const details = detailsShown.value;
  return html`<section class=${`bw-vehicle bw-overlay-box${details ? "" : " bw-vehicle-compact"}`} id="bw-vehicle" ref=${box} data-id=${v.id} aria-label=${`Vehicle ${callsign(v)}`}>
    <header class="bw-vehicle-head">
      <span class=${`bw-state-dot bw-state-${state}`}></span>
      <h2 class="bw-vehicle-name" title=${callsign(v)}>${callsign(v)}</h2>
      <button class="bw-btn bw-btn-small" id="bw-vehicle-details-toggle" aria-expanded=${details ? "true" : "false"}
        title=${details ? "Show only the summary and the commands" : "Show every field"} onClick=${() => (detailsShown.value = !details)}>${details ? "Less" : "More"}</button>
      <button class="bw-btn-x" title="Close (Esc)" aria-label="Close" onClick=${close}>×</button>
    </header>
    ${(v.network || manyNetworks.value) && html`<div class="bw-vehicle-network" data-field="network">network ${networkName(v.network)} · system id ${v.sysid}</div>`}
    <div class="bw-vehicle-summary" aria-label="Summary">
      <span class="bw-vehicle-state">${stateLabel[state]}</span> · <b class="bw-vehicle-mode">${v.mode}</b> · ${v.armed ? "armed" : "disarmed"} · ${v.battery_pct < 0 ? "batt. –" : `${v.battery_pct} %`} · ${fmt(v.rel_alt_m, 0, " m")} · ${fmt(v.groundspeed_m_s, 1, " m/s")}${v.link_ok ? "" : html` · <b class="bw-lost">LINK LOST</b>`}${v.fence_breached ? html` · <b class="bw-lost">FENCE</b>` : ""}
    </div>
    ${answer &&
    html`<div class=${`bw-answer ${answer.ok ? "bw-answer-ok" : "bw-answer-error"}`} id="bw-vehicle-answer" role="status">
      <b>${answer.command}:</b> ${answer.text}</div>`}
    ${details && html`<table class="bw-kv">
      <${Row} label="Mode" id="mode">${v.mode} · ${v.autopilot} ${v.vehicle_type}</${Row}>
      <${Row} label="Armed" id="armed">${v.armed ? "ARMED" : "disarmed"} · ${v.landed_state || "unknown"}</${Row}>
      <${Row} label="Battery" id="battery">${v.battery_pct < 0 ? "–" : `${v.battery_pct} %`} · ${fmt(v.battery_v, 2, " V")}</${Row}>
      <${Row} label="GPS" id="gps">${v.gps_fix || "–"} · ${v.satellites >= 0 ? `${v.satellites} sats` : "sats –"}</${Row}>
      <${Row} label="Altitude" id="alt">${fmt(v.rel_alt_m, 1, " m")} above home · ${fmt(v.alt_m, 0, " m")} AMSL</${Row}>
      <${Row} label="Speed" id="speed">${fmt(v.groundspeed_m_s, 1, " m/s")} ground · ${fmt(v.climb_rate_m_s, 1, " m/s")} climb · ${fmt(v.heading_deg, 0, "°")}</${Row}>
      <${Row} label="Link" id="link">${v.link_ok ? "ok" : html`<b class="bw-lost">LOST</b>`} · loss ${fmt(ls.loss_pct, 1, " %")} · RTT ${fmt(ls.rtt_ms, 0, " ms")}${ls.link != null ? ` · link ${ls.link}` : ""}</${Row}>
      <${Row} label="Pre-arm" id="prearm">${v.prearm || "unknown"}</${Row}>
      <${Row} label="Mission" id="mission"><${MissionProgress} v=${v} /></${Row}>
      <${Row} label="Fence" id="fence">${fenceEnabledText[v.fence_enabled] || "enforcement unknown"} · ${v.fence_breached ? html`<b class="bw-lost">BREACHED</b> (${v.fence_breach_count})` : "inside"}</${Row}>
      <${Row} label="Signing" id="signing">${v.signed ? "signed" : "unsigned"}${ls.signing_rejected ? ` · ${ls.signing_rejected} rejected` : ""}</${Row}>
    </table>`}
    ${details && html`<div class="bw-plan-status">
      Plan on vehicle: ${vp?.loading ? "downloading…" : vp?.error ? html`<span class="bw-error">${vp.error}</span>` : vp?.plan ? `${vp.plan.mission?.items?.length || 0} items, ${(vp.plan.geoFence?.polygons?.length || 0) + (vp.plan.geoFence?.circles?.length || 0)} fences, ${vp.plan.rallyPoints?.points?.length || 0} rally` : "–"}
      <button class="bw-btn bw-btn-small" title="Download the plan from the vehicle again" onClick=${() => loadVehiclePlan(v.id)}>Refresh</button>
    </div>`}
    ${details && texts.length > 0 &&
    html`<ul class="bw-status-texts" aria-label="Status texts">
      ${texts.map((t, i) => html`<li key=${i} class=${`bw-sev-${t.severity <= 2 ? "high" : t.severity <= 4 ? "mid" : "low"}`}>${new Date(t.time).toLocaleTimeString()} ${severityNames[t.severity] || ""} ${t.text}</li>`)}
    </ul>`}
    ${sel.length > 1 ? html`<p class="bw-hint">${sel.length} vehicles selected: the fleet list commands all of them.
      <button class="bw-btn bw-btn-small" id="bw-vehicle-to-fleet" onClick=${() => showTab("fleet")}>Fleet list</button></p>` : html`<${CommandBar} ids=${[v.id]} />`}
  </section>`;
}
