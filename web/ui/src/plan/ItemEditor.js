// The editor of one selected thing: a mission item (command, altitude,
// speed, position, and the raw MAV_CMD parameters for experts), a fence
// polygon or circle, or a rally point.
import { html } from "../html.js";
import { useState } from "preact/hooks";
import * as M from "./model.js";
import * as store from "./store.js";

const num = (s) => (s === "" ? NaN : Number(s));

// NumberField commits on change (blur or Enter), so typing "1" on the way
// to "120" is not an undo step.
function NumberField({ label, value, onCommit, step = "any", name, title }) {
  const shown = Number.isFinite(value) ? String(Math.round(value * 1e7) / 1e7) : "";
  return html`<label class="bw-plan-field" title=${title ?? ""}>
    <span>${label}</span>
    <input type="number" step=${step} name=${name} value=${shown}
      onChange=${(e) => onCommit(e.currentTarget.value === "" ? NaN : num(e.currentTarget.value))} />
  </label>`;
}

export function ItemEditor({ plan }) {
  const sel = store.selection.value;
  if (!sel) return html`<p class="bw-plan-hint-text">Click a waypoint, fence or rally point on the map or in the list to edit it. Right-click a point on the map to delete it.</p>`;
  switch (sel.kind) {
    case "item":
      return plan.mission[sel.index] ? html`<${MissionItem} plan=${plan} index=${sel.index} />` : null;
    case "polygon":
      return plan.fence.polygons[sel.index] ? html`<${FenceItem} plan=${plan} kind="polygon" index=${sel.index} />` : null;
    case "circle":
      return plan.fence.circles[sel.index] ? html`<${FenceItem} plan=${plan} kind="circle" index=${sel.index} />` : null;
    case "rally":
      return plan.rally[sel.index] ? html`<${RallyItem} plan=${plan} index=${sel.index} />` : null;
  }
  return null;
}

function MissionItem({ plan, index }) {
  const [expert, setExpert] = useState(false);
  const it = plan.mission[index];
  const info = M.COMMANDS[it.command];
  const positional = info?.pos ?? M.hasPosition(it);
  const speed = M.speedBefore(plan, index);
  const cmds = Object.entries(M.COMMANDS);
  const set = (change) => store.edit((p) => M.updateItem(p, index, change));
  return html`<div class="bw-plan-item-editor" data-index=${index}>
    <div class="bw-plan-editor-title">Item ${index + 1}</div>
    <label class="bw-plan-field"><span>Command</span>
      <select name="command" value=${String(it.command)} onChange=${(e) => set({ command: Number(e.currentTarget.value) })}>
        ${!info && html`<option value=${String(it.command)}>${M.commandName(it.command)}</option>`}
        ${cmds.map(([c, d]) => html`<option value=${c}>${d.name}</option>`)}
      </select>
    </label>
    ${positional &&
    html`<${NumberField} label="Altitude m (above home)" name="alt" value=${it.params[6]} onCommit=${(v) => set({ alt_m: v })} />
      <${NumberField} label="Latitude" name="lat" value=${it.params[4]} onCommit=${(v) => set({ param: { index: 4, value: v } })} />
      <${NumberField} label="Longitude" name="lon" value=${it.params[5]} onCommit=${(v) => set({ param: { index: 5, value: v } })} />`}
    ${it.command !== M.CMD.DO_CHANGE_SPEED &&
    html`<${NumberField} label="Speed m/s (from here)" name="speed" value=${speed ?? NaN} title="Adds a DO_CHANGE_SPEED item before this one"
      onCommit=${(v) =>
        store.edit((p) => {
          const r = M.setSpeed(p, index, Number.isFinite(v) ? v : null);
          queueMicrotask(() => (store.selection.value = { kind: "item", index: r.index }));
          return r.plan;
        })} />`}
    <div class="bw-plan-row">
      <button type="button" onClick=${() => store.edit((p) => M.insertAfter(p, index))} disabled=${!M.hasPosition(it)}>Insert after</button>
      <button type="button" class="bw-plan-danger" onClick=${() => {
        store.edit((p) => M.deleteItem(p, index));
        store.selection.value = null;
      }}>Delete</button>
      <label class="bw-plan-check"><input type="checkbox" checked=${expert} onChange=${(e) => setExpert(e.currentTarget.checked)} /> Raw parameters</label>
    </div>
    ${expert &&
    html`<div class="bw-plan-raw">
      <${NumberField} label="MAV_CMD" name="raw-command" step="1" value=${it.command} onCommit=${(v) => Number.isInteger(v) && v >= 0 && v < 65536 && set({ command: v })} />
      <${NumberField} label="Frame" name="raw-frame" step="1" value=${it.frame} onCommit=${(v) => Number.isInteger(v) && v >= 0 && v < 256 && set({ frame: v })} />
      ${it.params.map(
        (v, k) =>
          html`<${NumberField} label=${`param${k + 1}${info?.params[k] ? ` (${info.params[k]})` : k === 4 ? " (lat)" : k === 5 ? " (lon)" : k === 6 ? " (alt)" : ""}`}
            name=${`param${k + 1}`} value=${v} onCommit=${(x) => set({ param: { index: k, value: x } })} />`,
      )}
      <p class="bw-plan-hint-text">Empty means "unused" (NaN): the vehicle keeps its own value.</p>
    </div>`}
  </div>`;
}

function FenceItem({ plan, kind, index }) {
  const f = kind === "polygon" ? plan.fence.polygons[index] : plan.fence.circles[index];
  return html`<div class="bw-plan-item-editor">
    <div class="bw-plan-editor-title">Fence ${kind} ${index + 1} (${f.inclusion ? "inclusion" : "exclusion"})</div>
    ${kind === "circle" &&
    html`<${NumberField} label="Radius m" name="radius" value=${f.radius_m} onCommit=${(v) => v > 0 && store.edit((p) => M.setCircle(p, index, f.center, v))} />`}
    ${kind === "polygon" && html`<p class="bw-plan-hint-text">${f.vertices.length} vertices. Drag a vertex to move it, drag a middle handle to add one, right-click a vertex to remove it.</p>`}
    <div class="bw-plan-row">
      <button type="button" onClick=${() => store.edit((p) => M.toggleInclusion(p, kind, index))}>Make ${f.inclusion ? "exclusion" : "inclusion"}</button>
      <button type="button" class="bw-plan-danger" onClick=${() => {
        store.edit((p) => M.deleteFence(p, kind, index));
        store.selection.value = null;
      }}>Delete</button>
    </div>
  </div>`;
}

function RallyItem({ plan, index }) {
  const r = plan.rally[index];
  return html`<div class="bw-plan-item-editor">
    <div class="bw-plan-editor-title">Rally point ${index + 1}</div>
    <${NumberField} label="Altitude m (above home)" name="rally-alt" value=${r.alt_m} onCommit=${(v) => store.edit((p) => M.setRally(p, index, { alt_m: v }))} />
    <div class="bw-plan-row">
      <button type="button" class="bw-plan-danger" onClick=${() => {
        store.edit((p) => M.deleteRally(p, index));
        store.selection.value = null;
      }}>Delete</button>
    </div>
  </div>`;
}
