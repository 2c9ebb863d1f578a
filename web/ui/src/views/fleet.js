// The fleet list: sortable, filterable (state, flavour, low battery, link),
// multi-select. Selecting a row opens the vehicle panel and highlights the
// drone on the map; a multi-selection gets the command bar for all of them.
import { signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { html } from "../html.js";
import { loadNetworks, manyNetworks, networkName } from "../networks.js";
import { vehicles, selected, select, clearSelection, can } from "../state.js";
import { callsign, droneState, droneStates, lowBatteryPct } from "../map/drones.js";
import { centreOn } from "../map/map.js";
import { CommandBar, AnswerList } from "./commands.js";

const sortKey = signal({ key: "id", dir: 1 });
export const filters = signal({ state: "", autopilot: "", lowBattery: false, link: "" });

const columns = [
  { key: "id", title: "Drone", value: (v) => v.id },
  { key: "state", title: "State", value: (v) => droneStates.findIndex((s) => s.id === droneState(v)) },
  { key: "mode", title: "Mode", value: (v) => v.mode },
  { key: "alt", title: "Alt m", value: (v) => v.rel_alt_m, num: true },
  { key: "speed", title: "m/s", value: (v) => v.groundspeed_m_s, num: true },
  { key: "battery", title: "Batt.", value: (v) => v.battery_pct, num: true },
  { key: "link", title: "Link", value: (v) => (v.link_ok ? 0 : 1) },
];
const stateLabel = Object.fromEntries(droneStates.map((s) => [s.id, s.label]));

function matches(v, f) {
  if (f.state && droneState(v) !== f.state) return false;
  if (f.autopilot && v.autopilot !== f.autopilot) return false;
  if (f.lowBattery && !(v.battery_pct >= 0 && v.battery_pct < lowBatteryPct)) return false;
  if (f.link === "ok" && !v.link_ok) return false;
  if (f.link === "lost" && v.link_ok) return false;
  return true;
}

// shownVehicles: the list as filtered and sorted now (shortcuts use it too).
export function shownVehicles() {
  const f = filters.value;
  const { key, dir } = sortKey.value;
  const col = columns.find((c) => c.key === key) || columns[0];
  const list = [...vehicles.value.values()].filter((v) => matches(v, f));
  list.sort((a, b) => {
    const x = col.value(a);
    const y = col.value(b);
    const c = typeof x === "string" ? x.localeCompare(y) : x - y;
    return c * dir || (a.id ?? 0) - (b.id ?? 0);
  });
  return list;
}

function setFilter(k, val) {
  filters.value = { ...filters.value, [k]: val };
}

function rowClick(e, v, list) {
  if (e.target.closest("input")) return;
  if (e.shiftKey && selected.value.size) {
    // A range from the last selected row to this one.
    const ids = list.map((x) => x.id);
    const last = [...selected.value].pop();
    const a = ids.indexOf(last);
    const b = ids.indexOf(v.id);
    if (a >= 0 && b >= 0) {
      select(ids.slice(Math.min(a, b), Math.max(a, b) + 1), true);
      return;
    }
  }
  select([v.id], e.ctrlKey || e.metaKey);
  if (v.has_position) centreOn([v.lat, v.lon]);
}

function Filters() {
  const f = filters.value;
  return html`<div class="bw-filters">
    <select aria-label="Filter by state" id="bw-filter-state" value=${f.state} onChange=${(e) => setFilter("state", e.currentTarget.value)}>
      <option value="">Any state</option>
      ${droneStates.map((s) => html`<option key=${s.id} value=${s.id}>${s.label}</option>`)}
    </select>
    <select aria-label="Filter by autopilot" id="bw-filter-autopilot" value=${f.autopilot} onChange=${(e) => setFilter("autopilot", e.currentTarget.value)}>
      <option value="">Any autopilot</option><option value="ardupilot">ArduPilot</option><option value="px4">PX4</option>
    </select>
    <select aria-label="Filter by link" id="bw-filter-link" value=${f.link} onChange=${(e) => setFilter("link", e.currentTarget.value)}>
      <option value="">Any link</option><option value="ok">Link ok</option><option value="lost">Link lost</option>
    </select>
    <label class="bw-check"><input type="checkbox" id="bw-filter-lowbat" checked=${f.lowBattery} onChange=${(e) => setFilter("lowBattery", e.currentTarget.checked)} /> low battery</label>
  </div>`;
}

export function FleetView() {
  useEffect(() => {
    loadNetworks();
  }, []);
  // Where there is more than one network, each drone's network is under its
  // name (not a column: the list fills the panel at 1024 px already).
  // Sorting by drone groups them, a vehicle id being network × 256 + system id.
  const many = manyNetworks.value;
  const list = shownVehicles();
  const sel = selected.value;
  const { key, dir } = sortKey.value;
  const sortBy = (k) => (sortKey.value = { key: k, dir: key === k ? -dir : 1 });
  const allShownSelected = list.length > 0 && list.every((v) => sel.has(v.id));
  const selIds = [...sel].filter((id) => vehicles.value.has(id));
  return html`<section class="bw-fleet-view">
    <${Filters} />
    <div class="bw-fleet-summary">${list.length} of ${vehicles.value.size} vehicles${sel.size ? ` · ${sel.size} selected` : ""}
      ${sel.size > 0 && html` <button class="bw-btn bw-btn-small" onClick=${clearSelection}>Clear</button>`}</div>
    <div class="bw-table-wrap">
    <table class="bw-fleet">
      <thead><tr>
        <th><input type="checkbox" aria-label="Select every vehicle shown" checked=${allShownSelected}
          onChange=${(e) => (e.currentTarget.checked ? select(list.map((v) => v.id)) : clearSelection())} /></th>
        ${columns.map(
          (c) => html`<th key=${c.key} class=${c.num ? "bw-num-col" : ""} aria-sort=${key === c.key ? (dir > 0 ? "ascending" : "descending") : "none"}>
            <button class="bw-sort" data-sort=${c.key} onClick=${() => sortBy(c.key)}>${c.title}${key === c.key ? (dir > 0 ? " ▲" : " ▼") : ""}</button></th>`,
        )}
      </tr></thead>
      <tbody id="bw-fleet-body">
        ${list.length === 0 && html`<tr class="bw-empty"><td colspan=${columns.length + 1}>${vehicles.value.size ? "No vehicle matches the filters." : "No vehicle heard yet."}</td></tr>`}
        ${list.map((v) => {
          const st = droneState(v);
          return html`<tr key=${v.id} data-sysid=${v.sysid} data-id=${v.id} class=${sel.has(v.id) ? "bw-row-selected" : ""} onClick=${(e) => rowClick(e, v, list)}>
            <td><input type="checkbox" aria-label=${`Select ${callsign(v)}`} checked=${sel.has(v.id)} onChange=${() => select([v.id], true)} /></td>
            <td class="bw-callsign" title=${v.network ? `network ${v.network}, system id ${v.sysid}` : `system id ${v.sysid}`}>${callsign(v)}${many &&
            html`<span class="bw-network" data-network=${v.network || ""}>${networkName(v.network)}</span>`}</td>
            <td><span class=${`bw-state-dot bw-state-${st}`} title=${stateLabel[st]}></span>${stateLabel[st]}</td>
            <td>${v.mode}${v.armed ? " ⚡" : ""}</td>
            <td class="bw-num-col">${Number.isFinite(v.rel_alt_m) ? v.rel_alt_m.toFixed(0) : "–"}</td>
            <td class="bw-num-col">${Number.isFinite(v.groundspeed_m_s) ? v.groundspeed_m_s.toFixed(1) : "–"}</td>
            <td class=${`bw-num-col${v.battery_pct >= 0 && v.battery_pct < lowBatteryPct ? " bw-lost" : ""}`}>${v.battery_pct < 0 ? "–" : `${v.battery_pct}%`}</td>
            <td class=${v.link_ok ? "" : "bw-lost"}>${v.link_ok ? "ok" : "LOST"}</td>
          </tr>`;
        })}
      </tbody>
    </table>
    </div>
    ${selIds.length > 1 && can("command") &&
    html`<div class="bw-multi" id="bw-multi-commands"><h3>Commands for ${selIds.length} vehicles</h3><${CommandBar} ids=${selIds} /><${AnswerList} ids=${selIds} /></div>`}
  </section>`;
}
