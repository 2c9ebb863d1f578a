// Plots of altitude, ground speed, battery and link loss per drone (uPlot),
// drawn from the replayed states up to the replay clock and no later, over
// the whole sortie's time axis. A line marks the replay instant and follows
// the timeline; a click on a plot seeks there.
import uPlot from "uplot";
import { useEffect, useRef } from "preact/hooks";
import { effect } from "@preact/signals";
import { html } from "../html.js";
import { clock, series, seriesVersion, seek } from "./session.js";

export const plotDefs = [
  { key: "alt", title: "Altitude above home (m)" },
  { key: "spd", title: "Ground speed (m/s)" },
  { key: "bat", title: "Battery (%)", range: [0, 100] },
  { key: "loss", title: "Link loss (%; 100 = link lost)", range: [0, 100] },
];

const palette = ["#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#5d4037", "#ad1457", "#558b2f", "#283593"];

export function droneColor(sysid) {
  return palette[(sysid - 1) % palette.length];
}

function dataFor(key, ids) {
  if (!ids.length) return [[]];
  const tables = ids.map((id) => {
    const s = series.get(id);
    return [s.t, s[key]];
  });
  return ids.length === 1 ? tables[0] : uPlot.join(tables);
}

function Plot({ def, width }) {
  const host = useRef(null);
  useEffect(() => {
    let u = null;
    let ids = [];
    let cursorEl = null;
    let pending = false;
    const build = () => {
      if (u) u.destroy();
      ids = [...series.keys()].sort((a, b) => a - b);
      const c = clock.peek();
      const opts = {
        width,
        height: 110,
        title: def.title,
        legend: { show: ids.length > 0 && ids.length <= 10 },
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: {
          x: { time: true, range: () => (c ? [Date.parse(c.from) / 1000, Date.parse(c.to) / 1000] : [0, 1]) },
          y: def.range ? { range: def.range } : { auto: true },
        },
        axes: [{ size: 30, font: "11px system-ui" }, { size: 40, font: "11px system-ui" }],
        series: [{}, ...ids.map((id) => ({ label: `drone ${id}`, stroke: droneColor(id), width: 1.5, spanGaps: true, points: { show: false } }))],
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Etc/UTC"),
      };
      u = new uPlot(opts, dataFor(def.key, ids), host.current);
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
    const refresh = () => {
      pending = false;
      const now = [...series.keys()].sort((a, b) => a - b);
      if (!u || now.join() !== ids.join()) build();
      else u.setData(dataFor(def.key, ids), false), u.redraw(false);
      place();
    };
    build();
    const stopSeries = effect(() => {
      seriesVersion.value;
      if (!pending) {
        pending = true;
        setTimeout(refresh, 300);
      }
    });
    let lastFrom = null;
    const stopClock = effect(() => {
      const c = clock.value;
      if (c && c.from !== lastFrom) {
        lastFrom = c.from;
        build();
      }
      place();
    });
    return () => {
      stopSeries();
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
    ${plotDefs.map((d) => html`<${Plot} key=${d.key} def=${d} width=${width} />`)}
  </div>`;
}
