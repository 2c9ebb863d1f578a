// The corridor-patrol wizard: a border layer and a section of it (two
// clicks on the map), our side, standoff, lanes, drones, launch sites,
// endurance and speed → the server's corridor planner → a preview of every
// leg coloured by drone with its fence, rally points and the revisit time;
// adjust and re-plan; assign drones to vehicles and upload; a transit
// preview from a launch site to a leg around the no-fly zones.
import { html } from "../html.js";
import { useEffect, useRef, useState } from "preact/hooks";
import L from "./pm.js";
import { map } from "../map/map.js";
import { can } from "../state.js";
import { pickPoint, cancelPick } from "../map/pick.js";
import * as C from "./corridor.js";
import * as ep from "./endpoints.js";
import * as store from "./store.js";
import { el } from "./editor.js";
import { vehicleList, vehicleLabel } from "./UploadPanel.js";
import { uploadAll } from "./upload.js";
import { UploadProgress, WarningDialog } from "./UploadProgress.js";

// The wizard's form and last answer outlive the tab switch.
let saved = { form: { ...C.DEFAULTS, border: "", from: null, to: null, sites: [], no_fly: [] }, pv: null };

export function CorridorWizard() {
  const [layers, setLayers] = useState([]);
  const [form, setFormState] = useState(saved.form);
  const [pv, setPv] = useState(saved.pv);
  const [picking, setPicking] = useState(""); // "section" | "sites" | ""
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const [assign, setAssign] = useState({});
  // legChoice: drone → the leg to send now (default its first; a drone
  // flies its legs in turn, so the next sortie's leg is picked here).
  const [legChoice, setLegChoice] = useState({});
  const [transit, setTransit] = useState({ site: 0, leg: 0, route: null, error: "" });
  const overlay = useRef(null);
  const borderGeo = useRef(null);

  const setForm = (change) =>
    setFormState((f) => {
      const next = { ...f, ...(typeof change === "function" ? change(f) : change) };
      saved.form = next;
      return next;
    });

  useEffect(() => {
    overlay.current = L.layerGroup().addTo(map);
    ep.layers()
      .then((ls) => setLayers(Array.isArray(ls) ? ls : ls?.layers ?? []))
      .catch((err) => setError(`layers: ${err.message}`));
    return () => overlay.current.remove();
  }, []);

  // The chosen border layer, fetched once per choice.
  useEffect(() => {
    borderGeo.current = null;
    if (!form.border) return draw();
    ep.layer(form.border)
      .then((gj) => {
        borderGeo.current = gj;
        draw();
        const b = L.geoJSON(gj).getBounds();
        if (b.isValid() && !pv) map.fitBounds(b, { padding: [20, 20] });
      })
      .catch((err) => setError(`border layer: ${err.message}`));
  }, [form.border]);

  useEffect(() => draw(), [form, pv, transit.route]);

  // Points on the map come from the shell's point picker, so a click
  // answers the wizard instead of selecting a drone.
  const pickSection = async () => {
    if (picking) {
      cancelPick();
      return;
    }
    setPicking("section-a");
    const a = await pickPoint("Click the start A of the border section");
    if (!a) return setPicking("");
    setForm({ from: { lat: a.lat, lon: a.lng }, to: null });
    setPicking("section-b");
    const b = await pickPoint("Click the end B of the border section");
    setPicking("");
    if (!b) return setForm({ from: null, to: null });
    setForm({ to: { lat: b.lat, lon: b.lng } });
  };
  const pickSites = async () => {
    if (picking) {
      cancelPick();
      return;
    }
    setPicking("sites");
    for (;;) {
      const p = await pickPoint("Click a launch site (Esc when done)");
      if (!p) break;
      setForm((f) => ({ sites: [...f.sites, { name: `site ${f.sites.length + 1}`, lat: p.lat, lon: p.lng }] }));
    }
    setPicking("");
  };
  useEffect(() => () => cancelPick(), []);

  function draw() {
    const g = overlay.current;
    if (!g) return;
    g.clearLayers();
    if (borderGeo.current) {
      L.geoJSON(borderGeo.current, { style: { color: "#ff6f00", weight: 5, opacity: 0.5, className: "bw-plan-wizard-border" }, pmIgnore: true, interactive: false }).addTo(g);
    }
    const end = (p, label) =>
      L.marker([p.lat, p.lon], {
        icon: L.divIcon({ className: "bw-plan-icon bw-plan-section-end", html: el("div", "bw-plan-icon-label", label), iconSize: [22, 22], iconAnchor: [11, 11] }),
        pmIgnore: true,
        interactive: false,
      }).addTo(g);
    if (form.from) end(form.from, "A");
    if (form.to) end(form.to, "B");
    form.sites.forEach((s, i) => end(s, `S${i + 1}`));
    if (pv) {
      for (const leg of pv.legs) {
        const colour = C.droneColour(leg.drone);
        if (leg.plan) {
          for (const f of leg.plan.fence.polygons) {
            L.polygon(f.vertices.map((v) => [v[1], v[0]]), {
              color: f.inclusion ? colour : "#c62828",
              weight: 1,
              dashArray: "3 4",
              fillOpacity: f.inclusion ? 0.04 : 0.15,
              className: `bw-plan-wizard-fence${f.inclusion ? "" : " bw-plan-exclusion"}`,
              pmIgnore: true,
              interactive: false,
            }).addTo(g);
          }
          leg.plan.rally.forEach((r) =>
            L.circleMarker([r.lat, r.lon], { radius: 4, color: colour, fillOpacity: 1, className: "bw-plan-wizard-rally", pmIgnore: true }).addTo(g),
          );
        }
        const route = L.polyline(leg.route.map((p) => [p.lat, p.lon]), { color: colour, weight: 2, opacity: 0.8, dashArray: "6 5", pmIgnore: true }).addTo(g);
        route.bindTooltip(el("span", "", `${leg.name}: drone ${leg.drone}, ${C.fmtKm(leg.flight_m)}, ${C.fmtDuration(leg.flight_s)}`), { sticky: true });
        const patrol = L.polyline(leg.patrol.map((p) => [p.lat, p.lon]), { color: colour, weight: 5, className: "bw-plan-wizard-leg", pmIgnore: true }).addTo(g);
        patrol.bindTooltip(el("span", "", `${leg.name}: drone ${leg.drone}, patrol ${C.fmtKm(leg.patrol_m)}`), { sticky: true });
        const e = patrol.getElement?.();
        if (e) {
          e.dataset.leg = String(leg.index);
          e.dataset.drone = String(leg.drone);
        }
      }
    }
    if (transit.route?.length) {
      L.polyline(transit.route.map((p) => [p.lat, p.lon]), { color: "#000", weight: 3, dashArray: "2 6", className: "bw-plan-transit", pmIgnore: true }).addTo(g);
    }
  }

  const run = async () => {
    const problem = C.check(form);
    if (problem) {
      setError(problem);
      return;
    }
    setError("");
    setBusy(true);
    try {
      const ans = await ep.corridor(C.request(form));
      const next = C.preview(ans);
      saved.pv = next;
      setPv(next);
      setTransit({ site: 0, leg: 0, route: null, error: "" });
      setLegChoice({});
      const b = L.latLngBounds(next.legs.flatMap((l) => l.route.map((p) => [p.lat, p.lon])));
      if (b.isValid()) map.fitBounds(b, { padding: [20, 20] });
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };

  const previewTransit = async () => {
    const leg = pv?.legs[transit.leg];
    const site = pv?.sites[transit.site];
    if (!leg || !site) return;
    try {
      const ans = await ep.transit({
        from: { lat: site.lat, lon: site.lon },
        to: leg.patrol[0],
        no_fly_layers: form.no_fly,
        speed_m_s: Number(form.speed_m_s),
      });
      setTransit({ ...transit, route: ans.path ?? [], length_m: ans.length_m, flight_s: ans.flight_s, error: "" });
    } catch (err) {
      setTransit({ ...transit, route: null, error: err.message });
    }
  };

  const vehicles = vehicleList();
  const first = pv ? C.firstLegs(pv) : new Map();
  const assigned = pv ? pv.drones.filter((d) => assign[d.drone] !== undefined && assign[d.drone] !== "") : [];
  const uploadLegs = () => {
    const pairs = [];
    for (const d of assigned) {
      const leg = pv.legs[legChoice[d.drone] ?? first.get(d.drone)];
      if (leg?.plan) pairs.push([assign[d.drone], { ...leg.plan, meta: { ...leg.plan.meta, name: leg.plan.meta?.name || leg.name } }, `drone ${d.drone}: ${leg.name}`]);
    }
    uploadAll(pairs);
  };
  const borders = layers.filter((l) => l.kind === "border");
  const noFly = layers.filter((l) => l.kind === "no_fly");
  const num = (key, label, attrs = {}) => html`<label class="bw-plan-field"><span>${label}</span>
    <input type="number" name=${key} value=${form[key]} ...${attrs} onChange=${(e) => setForm({ [key]: e.currentTarget.value })} /></label>`;

  return html`<div class="bw-plan-wizard">
    <label class="bw-plan-field"><span>Border layer</span>
      <select name="border" value=${form.border} onChange=${(e) => setForm({ border: e.currentTarget.value, from: null, to: null })}>
        <option value="">— choose —</option>
        ${borders.map((l) => html`<option value=${l.id}>${l.name}</option>`)}
      </select>
    </label>
    <div class="bw-plan-row">
      <button type="button" data-action="pick-section" class=${picking.startsWith("section") ? "bw-plan-tool-active" : ""}
        disabled=${!form.border || picking === "sites"} onClick=${pickSection}>
        ${picking === "section-a" ? "Click start A on the map" : picking === "section-b" ? "Click end B on the map" : "Pick section"}
      </button>
      <button type="button" disabled=${!form.from} onClick=${() => setForm({ from: null, to: null })}>Whole border</button>
      <span class="bw-plan-hint-text">${form.from && form.to ? "section A–B" : "whole border"}</span>
    </div>
    <div class="bw-plan-grid">
      <label class="bw-plan-field"><span>Our side</span>
        <select name="side" value=${form.side} onChange=${(e) => setForm({ side: e.currentTarget.value })}>
          <option value="left">left of the line</option><option value="right">right of the line</option>
          ${sideNames(borderGeo.current).map((n) => html`<option value=${n}>${n}</option>`)}
        </select>
      </label>
      ${num("standoff_m", "Standoff m", { min: 1 })}
      ${num("lanes", "Lanes", { min: 1, step: 1 })}
      ${num("lane_spacing_m", "Lane spacing m", { min: 1 })}
      ${num("alt_m", "Altitude m", { min: 1 })}
      ${num("drones", "Drones", { min: 1, step: 1 })}
      ${num("speed_m_s", "Speed m/s", { min: 1 })}
      ${num("endurance_min", "Endurance min", { min: 1 })}
      ${num("reserve_pct", "Reserve %", { min: 0, max: 90 })}
    </div>
    <div class="bw-plan-row">
      <button type="button" data-action="pick-sites" class=${picking === "sites" ? "bw-plan-tool-active" : ""}
        disabled=${picking.startsWith("section")} onClick=${pickSites}>${picking === "sites" ? "Done adding sites" : "Add launch sites"}</button>
      ${form.sites.length ? html`<button type="button" onClick=${() => setForm({ sites: [] })}>Clear ${form.sites.length} site${form.sites.length === 1 ? "" : "s"}</button>` : html`<span class="bw-plan-hint-text">default: one per drone along the lane</span>`}
    </div>
    ${noFly.length > 0 &&
    html`<div class="bw-plan-field"><span>No-fly layers</span>
      ${noFly.map(
        (l) => html`<label class="bw-plan-check"><input type="checkbox" checked=${form.no_fly.includes(l.id)}
          onChange=${(e) => setForm({ no_fly: e.currentTarget.checked ? [...form.no_fly, l.id] : form.no_fly.filter((x) => x !== l.id) })} /> ${l.name}</label>`,
      )}</div>`}
    <div class="bw-plan-row">
      <button type="button" data-action="plan-corridor" class="bw-plan-primary" disabled=${busy} onClick=${run}>${pv ? "Re-plan" : "Plan patrol"}</button>
      ${busy && html`<span>planning…</span>`}
    </div>
    ${error && html`<div class="bw-plan-problem-error" role="alert">${error}</div>`}
    ${pv && html`<${Preview} pv=${pv} first=${first} />`}
    ${pv &&
    html`<h3>Assign drones to vehicles</h3>
      <table class="bw-plan-table bw-plan-assign"><tbody>
        ${pv.drones.map(
          (d) => html`<tr data-drone=${d.drone}>
            <td><span class="bw-plan-swatch" style=${{ background: C.droneColour(d.drone) }}></span> drone ${d.drone}</td>
            <td><select name=${`leg-${d.drone}`} title="The leg to send now" value=${String(legChoice[d.drone] ?? first.get(d.drone))}
              onChange=${(e) => setLegChoice({ ...legChoice, [d.drone]: Number(e.currentTarget.value) })}>
              ${(d.legs.length ? d.legs : [first.get(d.drone)]).map((i) => html`<option value=${String(i)}>${pv.legs[i]?.name ?? `leg ${i + 1}`}</option>`)}
            </select></td>
            <td><select name=${`assign-${d.drone}`} value=${assign[d.drone] ?? ""} onChange=${(e) => setAssign({ ...assign, [d.drone]: e.currentTarget.value })}>
              <option value="">— vehicle —</option>
              ${vehicles.map((v) => html`<option value=${String(v.id ?? v.sysid)}>${vehicleLabel(v)}</option>`)}
            </select></td>
          </tr>`,
        )}
      </tbody></table>
      <div class="bw-plan-row" hidden=${!can("command")}>
        <button type="button" data-action="upload-legs" class="bw-plan-primary" disabled=${!assigned.length} onClick=${uploadLegs}>
          Upload ${assigned.length} leg${assigned.length === 1 ? "" : "s"}
        </button>
      </div>
      <${UploadProgress} />
      <${WarningDialog} />
      <h3>Transit preview</h3>
      <div class="bw-plan-row">
        <select name="transit-site" value=${String(transit.site)} onChange=${(e) => setTransit({ ...transit, site: Number(e.currentTarget.value) })}>
          ${pv.sites.map((s, i) => html`<option value=${String(i)}>${s.name || `site ${i + 1}`}</option>`)}
        </select>
        <span>→</span>
        <select name="transit-leg" value=${String(transit.leg)} onChange=${(e) => setTransit({ ...transit, leg: Number(e.currentTarget.value) })}>
          ${pv.legs.map((l) => html`<option value=${String(l.index)}>${l.name}</option>`)}
        </select>
        <button type="button" data-action="transit" onClick=${previewTransit}>Show route</button>
      </div>
      ${transit.error && html`<div class="bw-plan-problem-error">${transit.error}</div>`}
      ${transit.route &&
      html`<div class="bw-plan-hint-text bw-plan-transit-summary">
        ${C.fmtKm(transit.length_m)} in ${C.fmtDuration(transit.flight_s)},
        ${transit.route.length <= 2 ? "straight (no no-fly zone in the way)" : `${transit.route.length - 2} turn${transit.route.length === 3 ? "" : "s"} round the no-fly zones`}
      </div>`}`}
  </div>`;
}

function Preview({ pv, first }) {
  const cov = pv.coverage;
  return html`<div class="bw-plan-preview" data-legs=${pv.legs.length}>
    <h3>${pv.legs.length} legs over ${pv.drones.length} drones</h3>
    ${cov &&
    html`<p class="bw-plan-revisit">Section ${C.fmtKm(cov.section_m)}, covered ${C.fmtKm(cov.covered_m)};
      revisit every ${C.fmtDuration(cov.mean_revisit_s)} on average, ${C.fmtDuration(cov.max_revisit_s)} at worst.</p>`}
    ${pv.notes.length > 0 && html`<ul class="bw-plan-notes">${pv.notes.map((n) => html`<li>${n}</li>`)}</ul>`}
    <table class="bw-plan-table bw-plan-legs">
      <thead><tr><th>Leg</th><th>Drone</th><th>Patrol</th><th>Flight</th><th>Border ≥</th><th></th></tr></thead>
      <tbody>
        ${pv.legs.map(
          (l) => html`<tr data-leg=${l.index}>
            <td>${l.index + 1}${first.get(l.drone) === l.index ? "*" : ""}</td>
            <td><span class="bw-plan-swatch" style=${{ background: C.droneColour(l.drone) }}></span>${l.drone}</td>
            <td>${C.fmtKm(l.patrol_m)}</td>
            <td>${C.fmtDuration(l.flight_s)}</td>
            <td>${Number.isFinite(l.min_border_dist_m) ? `${Math.round(l.min_border_dist_m)} m` : "—"}</td>
            <td><button type="button" data-edit-leg=${l.index} disabled=${!l.plan} title="Open this leg in the plan editor"
              onClick=${() => {
                store.load({ ...l.plan, meta: { ...l.plan.meta, name: l.plan.meta?.name || l.name } });
                store.say(`${l.name} opened in the editor.`, "ok");
              }}>Edit</button></td>
          </tr>`,
        )}
      </tbody>
    </table>
    <p class="bw-plan-hint-text">* the leg each drone flies first; "Upload" sends it unless another of the drone's legs is chosen below.</p>
  </div>`;
}

// sideNames lists the countries a border layer names on its sides
// (Natural Earth's adm0_left / adm0_right), which the planner takes as
// the side.
function sideNames(gj) {
  const out = new Set();
  for (const f of gj?.features ?? []) {
    const p = f.properties ?? {};
    for (const k of ["adm0_left", "adm0_right", "ADM0_LEFT", "ADM0_RIGHT"]) if (typeof p[k] === "string" && p[k]) out.add(p[k]);
  }
  return [...out];
}
