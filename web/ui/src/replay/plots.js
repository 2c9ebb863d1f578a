// Plots of altitude, ground speed, battery and link loss per drone (uPlot)
// over the whole sortie, from GET /api/v1/sorties/{id}/series (min/max
// downsampled by the server, asked for once the first snapshot is on the
// map). A line marks the replay instant and follows the timeline; a click on
// a plot seeks there.
import uPlot from "uplot";
import { useEffect, useRef } from "preact/hooks";
import { effect } from "@preact/signals";
import { html } from "../html.js";
import { clock, plotData, seek } from "./session.js";

export const plotDefs = [
  { key: "alt", field: "rel_alt_m", title: "Altitude above home (m)" },
  { key: "spd", field: "groundspeed_m_s", title: "Ground speed (m/s)" },
  { key: "bat", field: "battery_pct", title: "Battery (%)", range: [0, 100] },
  { key: "loss", field: "link_loss_pct", title: "Link loss (%; 100 = link lost)", range: [0, 100] },
];

const palette = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037", "#ad1457", "#558b2f", "#283593"];

export function droneColor(id) {
  return palette[(id - 1) % palette.length];
}

function dataFor(field, d) {
  const vs = d ? d.vehicles : [];
  if (!vs.length) return [[]];
  const tables = vs.map((v) => [v.t, v[field]]);
  return vs.length === 1 ? tables[0] : uPlot.join(tables);
}

function Plot({ def, width }) {
  const host = useRef(null);
  useEffect(() => {
    let u = null;
    let cursorEl = null;
    const build = (d) => {
      if (u) u.destroy();
      u = null;
      if (!d) return;
      const ids = d.vehicles.map((v) => v.id ?? v.sysid);
      const from = Date.parse(d.from) / 1000;
      const to = Date.parse(d.to) / 1000;
      const opts = {
        width,
        height: 110,
        title: def.title,
        legend: { show: ids.length > 0 && ids.length <= 10 },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: {
          x: { time: true, range: () => [from, to] },
          y: def.range ? { range: def.range } : { auto: true },
        },
        axes: [{ size: 30, font: "11px system-ui" }, { size: 40, font: "11px system-ui" }],
        series: [{}, ...ids.map((id) => ({ label: `drone ${id}`, stroke: droneColor(id), width: 1.5, spanGaps: false, points: { show: false } }))],
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      };
      u = new uPlot(opts, dataFor(def.field, d), host.current);
      // What the plot holds, for tests and the curious: the span of its
      // data (Unix s) and its highest value.
      const el = host.current;
      let t0 = Infinity, t1 = -Infinity, ymax = -Infinity;
      for (const v of d.vehicles) {
        if (v.t.length) (t0 = Math.min(t0, v.t[0])), (t1 = Math.max(t1, v.t[v.t.length - 1]));
        for (const y of v[def.field]) if (y !== null && y > ymax) ymax = y;
      }
      el.dataset.points = String(d.vehicles.reduce((n, v) => n + v.t.length, 0));
      el.dataset.t0 = String(t0);
      el.dataset.t1 = String(t1);
      el.dataset.ymax = String(ymax);
      cursorEl = document.createElement("div");
      cursorEl.className = "bw-plot-cursor";
      u.over.appendChild(cursorEl);
      u.over.addEventListener("click", (e) => seek(u.posToVal(e.offsetX, "x") * 1000));
      place();
    };
    const place = () => {
      const c = clock.peek();
      if (!u || !c || !cursorEl) return;
      const t = Date.parse(c.time);
      cursorEl.style.left = `${u.valToPos(t / 1000, "x")}px`;
      cursorEl.dataset.time = c.time;
    };
    const stopData = effect(() => build(plotData.value));
    const stopClock = effect(() => {
      clock.value;
      place();
    });
    return () => {
      stopData();
      stopClock();
      if (u) u.destroy();
    };
  }, [width]);
  return html`<div class="bw-plot" data-plot=${def.key} ref=${host}></div>`;
}

export function Plots() {
  const box = useRef(null);
  const width = Math.max(240, (box.current?.clientWidth || 360) - 4);
  return html`<div class="bw-plots" id="bw-plots" ref=${box}>
    ${!plotData.value && html`<div class="bw-hint" id="bw-plots-loading">The whole sortie's plots load once the map shows it…</div>`}
    ${plotDefs.map((d) => html`<${Plot} key=${d.key} def=${d} width=${width} />`)}
  </div>`;
}
