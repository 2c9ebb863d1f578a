// The headquarters' sorties of every station (permission replay), from
// GET /api/v1/federation/sorties, sortable by start, end or duration. Each
// station keeps its own record: replay a sortie at its station.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api } from "../api.js";

const pollMs = 5000;
const columns = [
  { id: "start", label: "Start", value: (s) => Date.parse(s.data.start) || 0 },
  { id: "end", label: "End", value: (s) => (s.data.open ? Infinity : Date.parse(s.data.end) || 0) },
  { id: "duration", label: "Duration", value: (s) => s.data.duration_s || 0 },
];

const when = (t) => new Date(t).toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });

function duration(s) {
  const t = Math.round(s || 0);
  return t >= 3600 ? `${Math.floor(t / 3600)} h ${Math.floor((t % 3600) / 60)} min` : `${Math.floor(t / 60)} min ${t % 60} s`;
}

export function HQSortiesView() {
  const [list, setList] = useState(null);
  const [error, setError] = useState("");
  const [sort, setSort] = useState({ by: "start", desc: true });
  useEffect(() => {
    let stop = false;
    let timer = null;
    const load = () =>
      api("GET", "/api/v1/federation/sorties")
        .then((l) => !stop && (setList((l || []).filter((s) => s && s.data)), setError("")))
        .catch((err) => !stop && setError(err.message))
        .finally(() => {
          if (!stop) timer = setTimeout(load, pollMs);
        });
    load();
    return () => {
      stop = true;
      clearTimeout(timer);
    };
  }, []);
  if (error) return html`<p class="bw-error" role="alert">${error}</p>`;
  if (!list) return html`<p class="bw-hint">Loading sorties…</p>`;
  const col = columns.find((c) => c.id === sort.by);
  const rows = [...list].sort((a, b) => (col.value(a) - col.value(b)) * (sort.desc ? -1 : 1) || a.station.localeCompare(b.station));
  const head = (c) =>
    html`<th><button class="bw-sort" data-sort=${c.id} aria-sort=${sort.by === c.id ? (sort.desc ? "descending" : "ascending") : "none"}
      onClick=${() => setSort({ by: c.id, desc: sort.by === c.id ? !sort.desc : true })}>${c.label}${sort.by === c.id ? (sort.desc ? " ▼" : " ▲") : ""}</button></th>`;
  return html`<div class="bw-hq" id="bw-hq-sorties-view">
    <p class="bw-hint">Every station's sorties. Replay one at its station.</p>
    ${!rows.length && html`<p class="bw-empty">No sortie from the stations yet.</p>`}
    ${rows.length > 0 &&
    html`<div class="bw-table-wrap"><table class="bw-table bw-hq-sorties" id="bw-hq-sorties">
      <thead><tr><th>Station</th><th>Sortie</th><th>Vehicle</th>${columns.map(head)}</tr></thead>
      <tbody>
        ${rows.map(
          (s) => html`<tr key=${`${s.station}/${s.data.id}`} data-station=${s.station} data-sortie=${s.data.id}>
            <td>${s.station}</td><td>${s.data.id}</td><td>${`${s.station}/${s.data.vehicle}`}</td>
            <td>${when(s.data.start)}</td>
            <td class="bw-hq-end">${s.data.open ? "flying" : new Date(s.data.end).toLocaleTimeString()}</td>
            <td class="bw-hq-duration">${duration(s.data.duration_s)}</td></tr>`,
        )}
      </tbody>
    </table></div>`}
  </div>`;
}
