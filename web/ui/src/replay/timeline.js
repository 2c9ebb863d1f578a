// The replay timeline: time labels (UTC), a cursor at the replay clock,
// one lane of markers per kind (detections, alerts, mode and arm changes,
// uploads, operator actions), zoom (buttons and the mouse wheel) and a
// click anywhere — on a marker or on the track — seeks there. Markers that
// fall on the same few pixels are drawn as one, whose detail lists them all.
// Every label is a server text shown as text (title attributes and text nodes).
import { useState, useRef, useEffect } from "preact/hooks";
import { signal } from "@preact/signals";
import { html } from "../html.js";
import { clock, markers, seek, shown } from "./session.js";

export const lanes = [
  { kind: "detection", title: "Detections" },
  { kind: "alert", title: "Alerts" },
  { kind: "mode_change", title: "Modes" },
  { kind: "arm_change", title: "Arming" },
  { kind: "upload", title: "Uploads" },
  { kind: "operator_action", title: "Operators" },
];

// zoomView: the timeline's zoomed range [v0, v1] in ms, null for the whole
// sortie (the export menu's "evidence for this window" takes it).
export const zoomView = signal(null);

// viewRange is the range [v0, v1] (ms) the timeline shows at clock c: the
// whole sortie, or the zoomed view, which follows the cursor while playing.
export function viewRange(c, view = zoomView.peek()) {
  const from = Date.parse(c.from);
  const to = Date.parse(c.to);
  const now = Date.parse(c.time);
  let [v0, v1] = view || [from, to];
  if (view && (now < v0 || now > v1)) {
    const span = v1 - v0;
    v0 = Math.max(from, Math.min(to - span, now - span / 10));
    v1 = v0 + span;
  }
  return [v0, v1];
}

const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400].map((s) => s * 1000);

// utc formats ms as HH:MM:SS (UTC), with the date when withDate.
export function utc(ms, withDate = false) {
  const iso = new Date(ms).toISOString();
  return withDate ? `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC` : iso.slice(11, 19);
}

function ticks(v0, v1, widthPx) {
  const want = Math.max(2, Math.floor(widthPx / 70));
  const step = steps.find((s) => (v1 - v0) / s <= want) || steps[steps.length - 1];
  const out = [];
  for (let t = Math.ceil(v0 / step) * step; t <= v1; t += step) out.push(t);
  return out;
}

// cluster groups a lane's markers by pixel bucket.
function cluster(list, v0, v1, widthPx) {
  const buckets = new Map();
  const span = v1 - v0 || 1;
  for (const m of list) {
    const t = Date.parse(m.time);
    if (t < v0 || t > v1) continue;
    const b = Math.floor(((t - v0) / span) * (widthPx / 4));
    let g = buckets.get(b);
    if (!g) buckets.set(b, (g = { t, list: [] }));
    g.list.push(m);
  }
  return [...buckets.values()];
}

function detail(m) {
  return `${utc(Date.parse(m.time))} · drone ${m.sysid} · ${m.label}`;
}

export function Timeline() {
  const c = clock.value;
  const all = markers.value;
  const track = useRef(null);
  const [width, setWidth] = useState(360);
  const view = zoomView.value; // [v0, v1] when zoomed
  const setView = (v) => (zoomView.value = v);
  const [hover, setHover] = useState("");
  useEffect(() => {
    const el = track.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setWidth(el.clientWidth || 360));
    ro.observe(el);
    return () => ro.disconnect();
  }, [track.current]);
  if (!c) return html`<div class="bw-tl bw-empty">opening…</div>`;
  const from = Date.parse(c.from);
  const to = Date.parse(c.to);
  const now = Date.parse(c.time);
  const [v0, v1] = viewRange(c, view);
  const span = Math.max(1, v1 - v0);
  const x = (t) => `${(((t - v0) / span) * 100).toFixed(3)}%`;
  const timeAt = (clientX) => {
    const r = track.current.getBoundingClientRect();
    return v0 + ((clientX - r.left) / r.width) * span;
  };
  const zoom = (factor, centre = now) => {
    const s = Math.min(to - from, Math.max(10000, span * factor));
    if (s >= to - from) return setView(null);
    let a = centre - (centre - v0) * (s / span);
    a = Math.max(from, Math.min(to - s, a));
    setView([a, a + s]);
  };
  const wheel = (e) => {
    e.preventDefault();
    zoom(e.deltaY < 0 ? 0.5 : 2, timeAt(e.clientX));
  };
  const byKind = new Map(lanes.map((l) => [l.kind, []]));
  for (const m of all) byKind.get(m.kind)?.push(m);
  return html`<div class="bw-tl" id="bw-timeline" data-shown=${shown.value || ""}>
    <div class="bw-tl-bar">
      <span id="bw-replay-time" class="bw-tl-now" title="Replay clock (UTC)">${utc(now, true)}</span>
      <span class="bw-header-gap"></span>
      <button class="bw-btn bw-btn-small" id="bw-tl-zoom-in" title="Zoom in around the cursor (or the mouse wheel)" onClick=${() => zoom(0.25)}>+</button>
      <button class="bw-btn bw-btn-small" id="bw-tl-zoom-out" title="Zoom out" onClick=${() => zoom(4)}>−</button>
      <button class="bw-btn bw-btn-small" id="bw-tl-zoom-all" title="The whole sortie" disabled=${!view} onClick=${() => setView(null)}>All</button>
    </div>
    <div class="bw-tl-body" onWheel=${wheel}>
      <div class="bw-tl-names">${lanes.map((l) => html`<div key=${l.kind} class=${`bw-tl-name bw-tl-k-${l.kind}`}>${l.title}</div>`)}</div>
      <div class="bw-tl-track" ref=${track} id="bw-tl-track" data-from=${new Date(v0).toISOString()} data-to=${new Date(v1).toISOString()}
        onClick=${(e) => seek(timeAt(e.clientX))}
        onMouseMove=${(e) => e.target === track.current && setHover(utc(timeAt(e.clientX)))}>
        ${lanes.map(
          (l, i) => html`<div key=${l.kind} class="bw-tl-lane" style=${{ top: `${i * 16}px` }}>
            ${cluster(byKind.get(l.kind), v0, v1, width).map((g) => {
              const text = g.list.slice(0, 8).map(detail).join("\n") + (g.list.length > 8 ? `\n… and ${g.list.length - 8} more` : "");
              return html`<div key=${g.t} class=${`bw-tl-mark bw-tl-k-${l.kind}${g.list.length > 1 ? " bw-tl-many" : ""}`} style=${{ left: x(g.t) }}
                title=${text} data-kind=${l.kind} data-time=${new Date(g.t).toISOString()} data-label=${g.list[0].label}
                onMouseEnter=${() => setHover(text)}
                onClick=${(e) => {
                  e.stopPropagation();
                  seek(g.t);
                }}></div>`;
            })}
          </div>`,
        )}
        <div class="bw-tl-cursor" id="bw-tl-cursor" data-time=${c.time} style=${{ left: x(now) }}></div>
      </div>
    </div>
    <div class="bw-tl-axis">
      ${ticks(v0, v1, width).map((t) => html`<span key=${t} class="bw-tl-tick" style=${{ left: x(t) }}>${utc(t)}</span>`)}
    </div>
    <div class="bw-tl-hover" id="bw-tl-hover">${hover || "Hover a marker for its detail; click to seek there."}</div>
  </div>`;
}
