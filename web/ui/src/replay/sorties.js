// The sortie list: filters the server applies (vehicle, time range, with
// detections, with breaches, with alerts, live or imported) and the
// statistics the store computes, sortable by any column. Detection tracks
// (distinct tracks) and detection events (sensor reports) are two columns.
import { signal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api } from "../api.js";
import { loadNetworks, manyNetworks, networkName } from "../networks.js";

export const sortieFilters = signal({ vehicle: "", from: "", to: "", detections: false, breaches: false, alerts: false, source: "" });
const sortBy = signal({ key: "start", dir: -1 });

export function fmtDuration(s) {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
}

function km(m) {
  return m >= 1000 ? `${(m / 1000).toFixed(1)} km` : `${Math.round(m)} m`;
}

// datetime-local values are the station's local time; the API takes RFC 3339.
export function toRFC3339(local) {
  const t = Date.parse(local);
  return Number.isFinite(t) ? new Date(t).toISOString() : "";
}

export function sortieQuery(f) {
  const q = new URLSearchParams();
  if (f.vehicle) q.set("vehicle", f.vehicle);
  if (f.from && toRFC3339(f.from)) q.set("from", toRFC3339(f.from));
  if (f.to && toRFC3339(f.to)) q.set("to", toRFC3339(f.to));
  for (const k of ["detections", "breaches", "alerts"]) if (f[k]) q.set(k, "1");
  if (f.source) q.set("source", f.source);
  return q.toString();
}

const columns = [
  { key: "id", title: "ID", value: (s) => s.id },
  { key: "vehicle", title: "Drone", value: (s) => s.vehicle ?? s.sysid },
  { key: "start", title: "Start", value: (s) => Date.parse(s.start) },
  { key: "duration_s", title: "Length", value: (s) => s.duration_s },
  { key: "distance_m", title: "Dist.", value: (s) => s.distance_m },
  { key: "max_rel_alt_m", title: "Max alt.", value: (s) => s.max_rel_alt_m, tip: "Highest altitude above home (AMSL in the tooltip)" },
  { key: "min_battery_pct", title: "Min batt.", value: (s) => s.min_battery_pct },
  { key: "breaches", title: "Breaches", value: (s) => s.breaches, tip: "Fence breaches" },
  { key: "alerts", title: "Alerts", value: (s) => s.alerts ?? 0 },
  { key: "detection_tracks", title: "Det. tracks", value: (s) => s.detection_tracks ?? 0, tip: "Distinct detection tracks (one person followed is one track)" },
  { key: "detection_events", title: "Det. events", value: (s) => s.detection_events ?? s.detections, tip: "Detection events (one per sensor report)" },
];

function Filters({ onChange }) {
  const f = sortieFilters.value;
  const set = (k, v) => {
    sortieFilters.value = { ...f, [k]: v };
    onChange();
  };
  return html`<div class="bw-sortie-filters" id="bw-sortie-filters">
    <label>Drone <input id="bw-sf-vehicle" class="bw-num" type="number" min="1" value=${f.vehicle} onChange=${(e) => set("vehicle", e.currentTarget.value)} /></label>
    <label>From <input id="bw-sf-from" type="datetime-local" value=${f.from} onChange=${(e) => set("from", e.currentTarget.value)} /></label>
    <label>To <input id="bw-sf-to" type="datetime-local" value=${f.to} onChange=${(e) => set("to", e.currentTarget.value)} /></label>
    <label class="bw-check"><input id="bw-sf-detections" type="checkbox" checked=${f.detections} onChange=${(e) => set("detections", e.currentTarget.checked)} /> with detections</label>
    <label class="bw-check"><input id="bw-sf-breaches" type="checkbox" checked=${f.breaches} onChange=${(e) => set("breaches", e.currentTarget.checked)} /> with breaches</label>
    <label class="bw-check"><input id="bw-sf-alerts" type="checkbox" checked=${f.alerts} onChange=${(e) => set("alerts", e.currentTarget.checked)} /> with alerts</label>
    <label>Source <select id="bw-sf-source" value=${f.source} onChange=${(e) => set("source", e.currentTarget.value)}>
      <option value="">all</option><option value="live">live</option><option value="import">imported</option>
    </select></label>
  </div>`;
}

// SortieList lists the sorties; onOpen(sortie) opens one.
export function SortieList({ onOpen, current }) {
  const [list, setList] = useState(null);
  const [error, setError] = useState("");
  const [seq, setSeq] = useState(0);
  useEffect(() => {
    loadNetworks();
  }, []);
  useEffect(() => {
    let stale = false;
    const q = sortieQuery(sortieFilters.peek());
    api("GET", `/api/v1/sorties${q ? `?${q}` : ""}`)
      .then((l) => !stale && (setList(l), setError("")))
      .catch((err) => !stale && setError(err.message));
    return () => (stale = true);
  }, [seq]);
  const sb = sortBy.value;
  const col = columns.find((c) => c.key === sb.key) || columns[2];
  const rows = (list || []).slice().sort((a, b) => (col.value(a) - col.value(b)) * sb.dir || b.id - a.id);
  const sort = (key) => (sortBy.value = { key, dir: sb.key === key ? -sb.dir : -1 });
  // Where there is more than one network, each sortie's drone says which.
  const many = manyNetworks.value || new Set((list || []).map((s) => s.network || "")).size > 1;
  return html`<div class="bw-sorties-box">
    <${Filters} onChange=${() => setSeq((n) => n + 1)} />
    <div class="bw-table-wrap bw-sorties-wrap">
    <table class="bw-fleet bw-sorties">
      <thead><tr>
        ${columns.map(
          (c) => html`<th key=${c.key} title=${c.tip || ""}><button class="bw-sort" data-sort=${c.key} onClick=${() => sort(c.key)}>${c.title}${sb.key === c.key ? (sb.dir < 0 ? " ▼" : " ▲") : ""}</button></th>`,
        )}<th></th>
      </tr></thead>
      <tbody id="bw-sorties-body">
        ${error && html`<tr><td colspan="12" class="bw-error">Sorties unavailable: ${error}</td></tr>`}
        ${list && rows.length === 0 && html`<tr class="bw-empty"><td colspan="12">No sortie matches.</td></tr>`}
        ${rows.map(
          (s) => html`<tr key=${s.id} data-sortie=${s.id} data-imported=${s.imported ? "1" : "0"} class=${current === s.id ? "bw-row-selected" : ""}>
            <td>${s.id}</td>
            <td class="bw-sortie-vehicle" title=${`network ${networkName(s.network)}, system id ${s.sysid}`}>${s.vehicle ?? s.sysid}${many &&
            html` <span class="bw-tag bw-tag-network" data-network=${s.network || ""}>${networkName(s.network)}</span>`}</td>
            <td title=${s.source}>${new Date(s.start).toLocaleString()}${s.imported && html` <span class="bw-tag bw-tag-import" title=${s.source}>imported</span>`}</td>
            <td>${fmtDuration(s.duration_s)}${s.open ? " (flying)" : ""}</td>
            <td>${km(s.distance_m)}</td>
            <td title=${`${Math.round(s.max_alt_m)} m AMSL`}>${Math.round(s.max_rel_alt_m)} m</td>
            <td>${s.min_battery_pct < 0 ? "–" : `${s.min_battery_pct}%`}</td>
            <td class=${s.breaches ? "bw-lost" : ""}>${s.breaches}</td>
            <td>${s.alerts ?? 0}</td>
            <td class="bw-det-tracks">${s.detection_tracks ?? 0}</td>
            <td class="bw-det-events">${s.detection_events ?? s.detections}</td>
            <td><button class="bw-btn bw-btn-small bw-replay-open" onClick=${() => onOpen(s)}>Replay</button></td>
          </tr>`,
        )}
      </tbody>
    </table>
    </div>
    <div class="bw-hint">${list ? `${list.length} sorties` : "loading…"} · Det. tracks: distinct tracks; Det. events: sensor reports.
      <button class="bw-btn bw-btn-small" onClick=${() => setSeq((n) => n + 1)}>Refresh</button></div>
  </div>`;
}
