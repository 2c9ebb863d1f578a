// The Replay tab (supervisors): the sortie list, then the open sortie with
// its controls, the timeline of markers, export buttons, a replay link, the
// plans flown and the plots. The whole fleet recorded during a live sortie
// replays in sync through /ws/replay (the server decodes the stored frames
// with the live code); opening this tab stops the live stream (src/app.js).
import { effect } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api } from "../api.js";
import { user, can, notify } from "../state.js";
import { setDetectionClock } from "../map/detections.js";
import { setRemoteIDClock } from "../map/remoteid.js";
import { showTab } from "../app.js";
import { sortie, clock, replayError, markers, send, openReplay, closeReplay, onFirstShown } from "./session.js";
import { Timeline, utc, zoomView, viewRange } from "./timeline.js";
import { Plots } from "./plots.js";
import { SortieList, fmtDuration } from "./sorties.js";
import { loadFlownPlans, clearReplayMap, fitTo } from "./mapdraw.js";
import { vehicles } from "../state.js";

// exportFormats: every format GET /api/v1/sorties/{id}/export writes.
export const exportFormats = [
  { format: "tlog", title: "tlog", tip: "Every frame, for QGC, Mission Planner, MAVProxy" },
  { format: "gpx", title: "GPX", tip: "Tracks and detections" },
  { format: "kml", title: "KML", tip: "Tracks and detections for Google Earth" },
  { format: "geojson", title: "GeoJSON", tip: "Tracks and detections" },
  { format: "csv", title: "CSV", tip: "One row per position report" },
  { format: "evidence", title: "Evidence (zip)", tip: "tlog, tracks, detections, plans, alerts, operator actions and a manifest of SHA-256 sums with the store's chain head" },
];

// replayLink is the URL that opens sortie id at instant ms for another supervisor.
export function replayLink(id, ms) {
  const q = new URLSearchParams({ sortie: String(id), t: new Date(ms).toISOString() });
  return `${location.origin}${location.pathname}#replay?${q}`;
}

// parseReplayLink reads #replay?sortie=ID&t=T: {id, atMs} or null.
export function parseReplayLink(hash) {
  if (!hash.startsWith("#replay?")) return null;
  const q = new URLSearchParams(hash.slice("#replay?".length));
  const id = parseInt(q.get("sortie") || "", 10);
  if (!(id > 0)) return null;
  const t = Date.parse(q.get("t") || "");
  return { id, atMs: Number.isFinite(t) ? t : null };
}

let pendingLink = parseReplayLink(location.hash);
let fleetMode = true;

// windowEvidenceLink is the URL of the evidence package of the range
// [v0, v1] (ms) of sortie s: its own vehicle, or the whole fleet.
export function windowEvidenceLink(s, v0, v1, fleet) {
  const q = new URLSearchParams({ from: new Date(v0).toISOString(), to: new Date(v1).toISOString() });
  if (s.imported || !fleet) q.set("vehicle", String(s.sysid));
  if (s.stream) q.set("stream", String(s.stream));
  return `/api/v1/evidence?${q}`;
}

async function open(s, atMs = null) {
  clearReplayMap();
  zoomView.value = null;
  // It plays from the start (or the link's instant) at once; Pause stops it.
  openReplay(s, { fleet: fleetMode && !s.imported, atMs, play: atMs === null });
}

// The plans flown are looked up once the first snapshot is on the map, so
// that they do not slow its drawing.
onFirstShown((s, fleet) => loadFlownPlans(s, fleet));

function close() {
  zoomView.value = null;
  closeReplay();
  clearReplayMap();
}

// A replay link opens its sortie once a user who may replay is logged in.
effect(() => {
  const u = user.value;
  if (!u || !pendingLink || !can("replay")) return;
  const link = pendingLink;
  pendingLink = null;
  showTab("replay");
  api("GET", `/api/v1/sorties/${link.id}`)
    .then((s) => open(s, link.atMs))
    .catch((err) => notify("error", `Replay link: ${err.message}`));
});

function Controls() {
  const s = sortie.value;
  const c = clock.value;
  const [copied, setCopied] = useState("");
  if (!s) return null;
  const t = c ? Date.parse(c.time) : Date.parse(s.start);
  const link = replayLink(s.id, t);
  const copy = () => {
    (navigator.clipboard ? navigator.clipboard.writeText(link) : Promise.reject(new Error("no clipboard")))
      .then(() => setCopied("copied"))
      .catch(() => setCopied("select the link and copy it"));
  };
  const n = markers.value.length;
  return html`<div id="bw-replay-controls" class="bw-replay-controls">
    <div class="bw-replay-head">
      <div id="bw-replay-title" class="bw-replay-title">
        Sortie ${s.id} · drone ${s.sysid}${s.imported ? html` <span class="bw-tag bw-tag-import" title=${s.source}>imported</span>` : s.stream === 0 && fleetMode ? " · whole fleet in sync" : ""}
      </div>
      <button class="bw-btn bw-btn-small" id="bw-replay-close" onClick=${close}>Close</button>
    </div>
    <div class="bw-hint">${utc(Date.parse(s.start), true)} · ${fmtDuration(s.duration_s)} · ${n} markers</div>
    <div class="bw-replay-buttons">
      <button class="bw-btn" id="bw-replay-play" onClick=${() => send({ cmd: c?.playing ? "pause" : "play" })}>${c?.playing ? "Pause" : "Play"}</button>
      <button class="bw-btn" id="bw-replay-step" title="Pause, then the next frame" onClick=${() => send({ cmd: "step" })}>Step</button>
      <select id="bw-replay-speed" title="Replay speed" value=${String(c?.speed ?? 1)} onChange=${(e) => send({ cmd: "speed", speed: parseFloat(e.currentTarget.value) })}>
        ${[0.1, 0.5, 1, 2, 5, 10, 50, 100].map((x) => html`<option key=${x} value=${String(x)}>${x}×</option>`)}
      </select>
      <button class="bw-btn" id="bw-replay-fit" title="Fit the map to the sortie" onClick=${() => fitTo([...vehicles.peek().values()])}>Fit map</button>
      ${!s.imported &&
      html`<label class="bw-check" title="Replay every drone recorded during this sortie, or only this one">
        <input type="checkbox" id="bw-replay-fleet" checked=${fleetMode} onChange=${(e) => {
          fleetMode = e.currentTarget.checked;
          open(s, t);
        }} /> whole fleet</label>`}
    </div>
    <div id="bw-replay-clock" class="bw-replay-clock">${c ? `${new Date(t).toLocaleString()} · ${c.speed}×${c.playing ? " · playing" : " · paused"}${c.ended ? " · end" : ""}` : "opening…"}</div>
    <${Timeline} />
    <div class="bw-replay-exports" id="bw-replay-exports">
      <span class="bw-hint">Export:</span>
      ${exportFormats.map(
        (f) => html`<a key=${f.format} class="bw-btn bw-btn-small" data-format=${f.format} title=${f.tip} download href=${`/api/v1/sorties/${s.id}/export?format=${f.format}`}>${f.title}</a>`,
      )}
      ${c && html`<a class="bw-btn bw-btn-small" id="bw-replay-evidence-window" data-format="evidence-window" download
        title="The evidence package (zip) of the range the timeline shows (zoom the timeline to choose it)"
        href=${windowEvidenceLink(s, ...viewRange(c, zoomView.value), fleetMode)}>Evidence for this window</a>`}
    </div>
    <div class="bw-replay-link">
      <input id="bw-replay-link" readonly value=${link} title="Opens this sortie at this instant for another supervisor" onFocus=${(e) => e.currentTarget.select()} />
      <button class="bw-btn bw-btn-small" id="bw-replay-copy" onClick=${copy}>Copy link</button>
      <span class="bw-hint">${copied}</span>
    </div>
    <div id="bw-replay-error" class="bw-lost">${replayError.value}</div>
  </div>`;
}

export function ReplayView() {
  const s = sortie.value;
  const [listOpen, setListOpen] = useState(!s);
  useEffect(() => {
    setDetectionClock(() => (clock.peek() ? Date.parse(clock.peek().time) : Date.now()));
    setRemoteIDClock(() => (clock.peek() ? Date.parse(clock.peek().time) : Date.now()));
    return () => {
      setDetectionClock(() => Date.now());
      setRemoteIDClock(() => Date.now());
      close();
    };
  }, []);
  return html`<section id="bw-replay" class="bw-replay-view">
    <${Controls} />
    ${s && html`<details class="bw-replay-section" open>
      <summary>Plots</summary>
      <${Plots} key=${s.id} />
    </details>`}
    <details class="bw-replay-section" open=${!s || listOpen} onToggle=${(e) => setListOpen(e.currentTarget.open)}>
      <summary>Sorties</summary>
      <${SortieList} current=${s?.id} onOpen=${(x) => {
        setListOpen(false);
        open(x);
      }} />
    </details>
  </section>`;
}
