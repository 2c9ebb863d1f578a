// The Plan tab: the plan editor on the map, the server's validation, the
// plan library and files, the corridor-patrol wizard and the upload to
// vehicles. Registered in src/app.js's tab table (perm "plan").
import { html } from "../html.js";
import { useEffect, useState } from "preact/hooks";
import { effect } from "@preact/signals";
import { map } from "../map/map.js";
import { can, vehicles } from "../state.js";
import { callsign } from "../map/drones.js";
import * as M from "./model.js";
import * as store from "./store.js";
import { PlanEditor } from "./editor.js";
import { startValidation } from "./validate.js";
import { ItemEditor } from "./ItemEditor.js";
import { LibraryBar } from "./LibraryBar.js";
import { UploadPanel } from "./UploadPanel.js";
import { CorridorWizard } from "./CorridorWizard.js";
import { target } from "./problems.js";

export function PlanPanel() {
  const [section, setSection] = useState("edit");

  // The editor on the map lives as long as the tab. It follows the
  // signals directly (not Preact's render cycle), so a tool chosen is a
  // tool active before the next click.
  useEffect(() => {
    const ed = new PlanEditor(map, {
      onEdit: store.edit,
      onSelect: (sel) => (store.selection.value = sel),
      onDrawEnd: () => (store.mode.value = "select"),
      homeAt,
    });
    const stopValidation = startValidation();
    const stopRender = effect(() => {
      const p = store.plan.value;
      const v = store.validation.value;
      // Problems are drawn only on the plan they were found in; while a
      // new answer is on its way the old highlights stay.
      ed.render(p, v.for === p || v.pending ? v.problems : [], store.selection.value);
    });
    const stopMode = effect(() => ed.setMode(store.mode.value));
    return () => {
      stopMode();
      stopRender();
      stopValidation();
      ed.destroy();
    };
  }, []);

  const p = store.plan.value;
  const v = store.validation.value;
  const mode = store.mode.value;

  useEffect(() => {
    const onKey = (e) => {
      const t = e.target;
      if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) return;
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") {
        e.preventDefault();
        e.shiftKey ? store.redo() : store.undo();
      } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "y") {
        e.preventDefault();
        store.redo();
      } else if (e.key === "Escape") {
        store.mode.value = "select";
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  return html`<div class="bw-plan">
    <${LibraryBar} />
    <nav class="bw-plan-sections">
      ${[
        ["edit", "Edit"],
        ["corridor", "Corridor wizard"],
        // Uploads need the command permission (web/routes.go), not only plan.
        ...(can("command") ? [["upload", "Upload"]] : []),
      ].map(
        ([id, title]) =>
          html`<button type="button" data-section=${id} class=${`bw-plan-section${section === id ? " bw-plan-section-active" : ""}`}
            onClick=${() => {
              setSection(id);
              store.say("");
            }}>${title}</button>`,
      )}
    </nav>
    <${Status} />
    ${section === "edit" && html`<${EditSection} plan=${p} validation=${v} mode=${mode} />`}
    ${section === "corridor" && html`<${CorridorWizard} />`}
    ${section === "upload" && can("command") && html`<${UploadPanel} />`}
  </div>`;
}

function Status() {
  const s = store.status.value;
  if (!s.text) return null;
  return html`<div class=${`bw-plan-note bw-plan-note-${s.kind}`} role="status">${s.text}</div>`;
}

const TOOLS = [
  ["select", "Select", "Select, drag and edit (Esc)"],
  ["waypoint", "Waypoints", "Click the map to add waypoints"],
  ["polygon-incl", "Incl. polygon", "Draw an inclusion fence polygon"],
  ["polygon-excl", "Excl. polygon", "Draw an exclusion (keep-out) polygon"],
  ["circle-incl", "Incl. circle", "Draw an inclusion fence circle"],
  ["circle-excl", "Excl. circle", "Draw an exclusion circle"],
  ["rally", "Rally", "Click the map to add rally points"],
  ["home", "Home", "Click the map where the plan's home (the launch site) is; drag it to move it, right-click to remove it"],
];

// siteSnapM: a home placed this near a drone's reported home is that site.
const siteSnapM = 100;

function metres(aLat, aLon, bLat, bLon) {
  const dy = (bLat - aLat) * 111320;
  const dx = (bLon - aLon) * 111320 * Math.cos((aLat * Math.PI) / 180);
  return Math.hypot(dx, dy);
}

// homeAt is the planned home for a point clicked or dragged to: a drone's
// reported home (HOME_POSITION, AMSL) when the point is within siteSnapM
// of one — that site, with its altitude — else the point with its ground
// altitude unknown (null in the .plan, with a note; never a made-up 0 m).
function homeAt(lat, lon) {
  let best = null;
  for (const v of vehicles.value.values()) {
    const h = v.home;
    if (!h || !Number.isFinite(h.lat) || !Number.isFinite(h.alt_m)) continue;
    const d = metres(lat, lon, h.lat, h.lon);
    if (d <= siteSnapM && (!best || d < best.d)) best = { d, v, h };
  }
  if (best) {
    store.say(`Home at ${callsign(best.v)}'s home: ground ${best.h.alt_m.toFixed(1)} m AMSL.`, "ok");
    return { lat: best.h.lat, lon: best.h.lon, alt_m: best.h.alt_m };
  }
  store.say(homeUnknownNote, "info");
  return { lat, lon, alt_m: NaN };
}

const homeUnknownNote =
  "Home set; its ground altitude is unknown here (null in the .plan): enter it if you know it. Altitudes stay above home, and the vehicle takes its own home when it arms.";

// HomeRow: the planned home, its ground altitude (AMSL, or unknown) and a
// drone's reported home to take.
function HomeRow({ plan }) {
  // What the operator is typing: this row re-renders with every fleet
  // update (the drones' homes), which must not wipe a half-typed altitude.
  const [draft, setDraft] = useState(null);
  const h = plan.home;
  const withHome = [...vehicles.value.values()].filter((v) => v.home && Number.isFinite(v.home.lat));
  const fromDrone = (id) => {
    const v = vehicles.value.get(Number(id)) ?? [...vehicles.value.values()].find((x) => String(x.id) === id);
    if (!v?.home) return;
    store.edit((p) => M.setHome(p, v.home.lat, v.home.lon, v.home.alt_m));
    store.say(`Home at ${callsign(v)}'s home: ground ${fmtAlt(v.home.alt_m)}.`, "ok");
  };
  const setAlt = (text) => {
    const t = text.trim();
    const a = t === "" ? NaN : Number(t);
    if (t !== "" && !Number.isFinite(a)) return store.say(`"${t}" is not an altitude in metres: leave it empty when unknown.`, "error");
    store.edit((p) => M.setHome(p, p.home.lat, p.home.lon, a));
  };
  return html`<div class="bw-plan-home-row" data-home=${h ? (M.homeAltKnown(h) ? "known" : "unknown") : "none"}>
    <b>Home</b>
    ${h
      ? html`<span class="bw-plan-home-pos">${h.lat.toFixed(5)}, ${h.lon.toFixed(5)}</span>
          <label class="bw-plan-check" title="The ground's altitude above mean sea level at home; empty when unknown">ground
            <input class="bw-num" name="home-alt" type="number" step="0.1" value=${draft ?? (M.homeAltKnown(h) ? String(h.alt_m) : "")} placeholder="unknown"
              onInput=${(e) => setDraft(e.currentTarget.value)}
              onChange=${(e) => {
                setDraft(null);
                setAlt(e.currentTarget.value);
              }} /> m AMSL</label>
          <button type="button" data-action="clear-home" onClick=${() => store.edit(M.clearHome)}>Clear</button>
          ${!M.homeAltKnown(h) && html`<div class="bw-plan-hint-text bw-plan-home-note">Ground altitude unknown (null in the .plan): altitudes stay above home, and the vehicle takes its own home when it arms.</div>`}`
      : html`<span class="bw-plan-hint-text">none: the vehicle's own home is used</span>`}
    ${withHome.length > 0 &&
    html`<select name="home-from" aria-label="Take a drone's home" value="" onChange=${(e) => fromDrone(e.currentTarget.value)}>
      <option value="">From a drone's home…</option>
      ${withHome.map((v) => html`<option key=${v.id} value=${String(v.id)}>${callsign(v)}</option>`)}
    </select>`}
  </div>`;
}

function fmtAlt(a) {
  return Number.isFinite(a) ? `${a.toFixed(1)} m AMSL` : "unknown altitude";
}

function EditSection({ plan, validation, mode }) {
  const h = store.history.value;
  const addAt = (cmd) => {
    const pos = M.positionalIndexes(plan);
    const c = map.getCenter();
    if (cmd === M.CMD.TAKEOFF) {
      const first = pos.length ? plan.mission[pos[0]] : null;
      const at = first ? [first.params[4], first.params[5]] : [c.lat, c.lng];
      store.edit((p) => M.addItem(p, M.newItem(cmd, at[0], at[1], M.lastAltitude(p, 30)), 0));
    } else if (cmd === M.CMD.LAND || cmd === M.CMD.LOITER_TIME) {
      const last = pos.length ? plan.mission[pos[pos.length - 1]] : null;
      const at = last ? [last.params[4], last.params[5]] : [c.lat, c.lng];
      store.edit((p) => M.addItem(p, M.newItem(cmd, at[0], at[1], cmd === M.CMD.LAND ? 0 : M.lastAltitude(p))));
    } else {
      store.edit((p) => M.addItem(p, M.newItem(cmd)));
    }
  };
  return html`<div class="bw-plan-edit">
    <div class="bw-plan-tools" role="toolbar">
      ${TOOLS.map(
        ([id, title, tip]) =>
          html`<button type="button" data-tool=${id} title=${tip} class=${`bw-plan-tool${mode === id ? " bw-plan-tool-active" : ""}`}
            onClick=${() => (store.mode.value = mode === id ? "select" : id)}>${title}</button>`,
      )}
    </div>
    <div class="bw-plan-tools">
      <button type="button" data-add="takeoff" onClick=${() => addAt(M.CMD.TAKEOFF)}>+ Takeoff</button>
      <button type="button" data-add="loiter" onClick=${() => addAt(M.CMD.LOITER_TIME)}>+ Loiter</button>
      <button type="button" data-add="land" onClick=${() => addAt(M.CMD.LAND)}>+ Land</button>
      <button type="button" data-add="rtl" onClick=${() => addAt(M.CMD.RTL)}>+ RTL</button>
      <span class="bw-plan-spacer"></span>
      <button type="button" data-action="undo" title="Undo (Ctrl+Z)" disabled=${!h.past.length} onClick=${store.undo}>Undo</button>
      <button type="button" data-action="redo" title="Redo (Ctrl+Y)" disabled=${!h.future.length} onClick=${store.redo}>Redo</button>
    </div>
    <${HomeRow} plan=${plan} />
    <${Problems} plan=${plan} validation=${validation} />
    <${ItemEditor} plan=${plan} />
    <${ItemList} plan=${plan} />
  </div>`;
}

function Problems({ plan, validation }) {
  const ps = validation.for === plan || validation.pending ? validation.problems : [];
  const errors = ps.filter((p) => p.severity === "error").length;
  return html`<div class="bw-plan-problems" data-errors=${errors} data-problems=${ps.length} data-pending=${validation.pending ? "1" : "0"}>
    <div class="bw-plan-problems-head">
      ${validation.error
        ? html`<span class="bw-plan-problem-error">${validation.error}</span>`
        : M.isEmpty(plan)
          ? html`<span>Empty plan.</span>`
          : ps.length
            ? html`<span class=${errors ? "bw-plan-problem-error" : "bw-plan-problem-warning"}>${errors} error${errors === 1 ? "" : "s"}, ${ps.length - errors} warning${ps.length - errors === 1 ? "" : "s"}</span>`
            : validation.pending
              ? html`<span>Checking…</span>`
              : html`<span class="bw-plan-ok">No problem found.</span>`}
    </div>
    <ul>
      ${ps.map((pr) => {
        const t = target(plan, pr);
        const pick = () => {
          if (t.kind === "item" || t.kind === "polygon" || t.kind === "circle" || t.kind === "rally") store.selection.value = { kind: t.kind, index: t.index };
          else if (t.kind === "home") store.selection.value = { kind: "home" };
          else if (t.kind === "segment") store.selection.value = { kind: "item", index: t.to };
        };
        return html`<li class=${`bw-plan-problem-${pr.severity}`} onClick=${pick}>${pr.message}</li>`;
      })}
    </ul>
  </div>`;
}

function ItemList({ plan }) {
  const sel = store.selection.value;
  const isSel = (kind, i) => sel && sel.kind === kind && sel.index === i;
  const pick = (kind, index) => () => (store.selection.value = { kind, index });
  return html`<div class="bw-plan-lists">
    <h3>Mission <span class="bw-count">${plan.mission.length}</span></h3>
    <table class="bw-plan-table bw-plan-mission">
      <tbody>
        ${plan.mission.map(
          (it, i) => html`<tr data-index=${i} class=${isSel("item", i) ? "bw-plan-row-selected" : ""} onClick=${pick("item", i)}>
            <td>${i + 1}</td><td>${M.commandName(it.command)}</td>
            <td>${M.hasPosition(it) || it.command === M.CMD.TAKEOFF ? `${Math.round(it.params[6])} m` : it.command === M.CMD.DO_CHANGE_SPEED ? `${it.params[1]} m/s` : ""}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    <h3>Fence <span class="bw-count">${plan.fence.polygons.length + plan.fence.circles.length}</span></h3>
    <table class="bw-plan-table">
      <tbody>
        ${plan.fence.polygons.map(
          (f, i) => html`<tr class=${isSel("polygon", i) ? "bw-plan-row-selected" : ""} onClick=${pick("polygon", i)}>
            <td>P${i + 1}</td><td>${f.inclusion ? "inclusion" : "exclusion"} polygon</td><td>${f.vertices.length} vertices</td></tr>`,
        )}
        ${plan.fence.circles.map(
          (c, i) => html`<tr class=${isSel("circle", i) ? "bw-plan-row-selected" : ""} onClick=${pick("circle", i)}>
            <td>C${i + 1}</td><td>${c.inclusion ? "inclusion" : "exclusion"} circle</td><td>${Math.round(c.radius_m)} m</td></tr>`,
        )}
      </tbody>
    </table>
    <h3>Rally points <span class="bw-count">${plan.rally.length}</span></h3>
    <table class="bw-plan-table">
      <tbody>
        ${plan.rally.map(
          (r, i) => html`<tr class=${isSel("rally", i) ? "bw-plan-row-selected" : ""} onClick=${pick("rally", i)}>
            <td>R${i + 1}</td><td>${r.lat.toFixed(5)}, ${r.lon.toFixed(5)}</td><td>${Math.round(r.alt_m)} m</td></tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}
