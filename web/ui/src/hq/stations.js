// The headquarters' Stations tab: every station (last heard, connected or
// stale, how many vehicles), then every station's vehicles qualified by
// station — a click selects one and centres the map on it — and, for an
// operator, the command panel of the one selected. Names and fields from
// the stations are shown as text only.
import { useEffect, useState } from "preact/hooks";
import { signal } from "@preact/signals";
import { html } from "../html.js";
import { api } from "../api.js";
import { map } from "../map/map.js";
import { hqVehicles, hqStream } from "./stream.js";
import { HQCommandPanel } from "./command.js";

// hqSelected: the key of the station vehicle selected ("east/3"), or null.
export const hqSelected = signal(null);

const stationsPollMs = 2000;

export function ago(t, now = Date.now()) {
  const ms = now - Date.parse(t);
  if (!t || t.startsWith("0001-") || !Number.isFinite(ms)) return "never";
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

// selectRemote selects a station's vehicle and centres the map on it.
export function selectRemote(key) {
  hqSelected.value = key;
  const v = hqVehicles.value.get(key);
  if (v && v.has_position && typeof v.lat === "number") map.setView([v.lat, v.lon], Math.max(map.getZoom(), 14));
}

function StationsTable() {
  const [list, setList] = useState(null);
  const [error, setError] = useState("");
  const [, setPolls] = useState(0); // every answer or failure redraws the ages
  useEffect(() => {
    let stop = false;
    let timer = null;
    const load = () =>
      api("GET", "/api/v1/federation/stations")
        .then((l) => !stop && (setList(l || []), setError("")))
        .catch((err) => !stop && setError(err.message))
        .finally(() => {
          if (stop) return;
          setPolls((n) => n + 1);
          timer = setTimeout(load, stationsPollMs);
        });
    load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, []);
  if (!list) return error ? html`<p class="bw-error" role="alert">${error}</p>` : html`<p class="bw-hint">Loading stations…</p>`;
  // While the headquarters does not answer, the last list stays with every
  // station stale: what it last said is not known to hold any more.
  const down = !!error;
  return html`${down && html`<p class="bw-error" id="bw-hq-stations-error" role="alert">${error} — the last answer is shown, every station as stale</p>`}
    ${!list.length
      ? html`<p class="bw-empty">No station has published yet.</p>`
      : html`<table class="bw-table bw-hq-stations" id="bw-hq-stations">
    <thead><tr><th>Station</th><th>Last heard</th><th>Status</th><th class="bw-num-col">Vehicles</th></tr></thead>
    <tbody>
      ${list.map((s) => {
        const stale = s.stale || down;
        return html`<tr key=${s.name} data-station=${s.name} data-stale=${stale ? "true" : "false"}>
          <td>${s.name}</td><td>${ago(s.last_heard)}</td>
          <td class=${stale ? "bw-lost" : "bw-ok"}>${stale ? "stale" : "connected"}</td>
          <td class="bw-num-col">${s.vehicles}</td></tr>`;
      })}
    </tbody>
  </table>`}`;
}

function stateText(v) {
  if (v.stale) return `stale ${Math.round(v.age_s || 0)} s`;
  return v.link_ok ? "live" : "link lost";
}

function FleetTable() {
  const vs = [...hqVehicles.value.values()].sort((a, b) => a.key.localeCompare(b.key, undefined, { numeric: true }));
  if (!vs.length) return html`<p class="bw-empty">No station vehicle heard yet.</p>`;
  const sel = hqSelected.value;
  return html`<table class="bw-table bw-hq-fleet" id="bw-hq-fleet">
    <thead><tr><th>Vehicle</th><th>Mode</th><th>Armed</th><th class="bw-num-col">Batt.</th><th>State</th></tr></thead>
    <tbody>
      ${vs.map(
        (v) => html`<tr key=${v.key} data-key=${v.key} data-stale=${v.stale ? "true" : "false"} aria-selected=${v.key === sel ? "true" : "false"}
          class=${`bw-hq-row${v.key === sel ? " bw-selected" : ""}${v.stale ? " bw-hq-stale" : ""}`} onClick=${() => selectRemote(v.key)}>
          <td class="bw-callsign" title=${`station ${v.station}, vehicle ${v.id}`}>${v.key}</td>
          <td>${v.mode || "–"}</td><td>${v.armed ? "armed" : "–"}</td>
          <td class="bw-num-col">${typeof v.battery_pct === "number" && v.battery_pct >= 0 ? `${v.battery_pct} %` : "–"}</td>
          <td class="bw-hq-state">${stateText(v)}</td></tr>`,
      )}
    </tbody>
  </table>`;
}

export function StationsView() {
  const sel = hqSelected.value;
  return html`<div class="bw-hq" id="bw-hq-stations-view">
    <p class="bw-hint bw-hq-stream" data-stream=${hqStream.value}>Stream from the stations: ${hqStream.value}</p>
    <h3>Stations</h3>
    <${StationsTable} />
    <h3>Fleet across stations</h3>
    <${FleetTable} />
    ${sel && html`<${HQCommandPanel} vkey=${sel} />`}
  </div>`;
}
