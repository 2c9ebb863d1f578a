// Upload the edited plan to one or several vehicles; download a vehicle's
// plan into the editor.
import { html } from "../html.js";
import { useState } from "preact/hooks";
import { vehicles } from "../state.js";
import * as store from "./store.js";
import * as M from "./model.js";
import { uploads, uploadAll } from "./upload.js";
import { UploadProgress, WarningDialog } from "./UploadProgress.js";
import * as ep from "./endpoints.js";

// vehicleList reads the shell's vehicles signal, an array or a map by id.
export function vehicleList() {
  const v = vehicles.value;
  const list = Array.isArray(v) ? v : v instanceof Map ? [...v.values()] : Object.values(v ?? {});
  return list.slice().sort((a, b) => (a.sysid ?? a.id) - (b.sysid ?? b.id));
}

export function vehicleLabel(v) {
  return `${v.callsign ? `${v.callsign} ` : ""}#${v.id ?? v.sysid} ${v.autopilot ?? ""} ${v.mode ?? ""}`.trim();
}

export function UploadPanel() {
  const [chosen, setChosen] = useState({});
  const list = vehicleList();
  const plan = store.plan.value;
  const ids = list.map((v) => v.id ?? v.sysid).filter((id) => chosen[id]);
  const errors = (store.validation.value.problems ?? []).filter((p) => p.severity === "error").length;

  const upload = () => {
    if (!ids.length) return;
    uploadAll(ids.map((id) => [id, plan, store.plan.peek().meta?.name ?? ""]));
  };
  const download = async (id) => {
    try {
      const p = await ep.downloadFromVehicle(id);
      store.load({ ...p, meta: { ...p.meta, name: p.meta?.name || `vehicle ${id}` } });
      store.say(`Plan of vehicle ${id} downloaded and drawn.`, "ok");
    } catch (err) {
      store.say(`Download from vehicle ${id}: ${err.message}`, "error");
    }
  };

  return html`<div class="bw-plan-upload">
    <p class="bw-plan-hint-text">
      ${M.counts(plan).mission} mission items, ${M.counts(plan).polygons + M.counts(plan).circles} fence shapes, ${M.counts(plan).rally} rally points.
      ${errors ? html` <strong class="bw-plan-problem-error">${errors} validation error${errors === 1 ? "" : "s"}</strong>` : ""}
    </p>
    ${list.length === 0 && html`<p class="bw-plan-hint-text">No vehicle heard yet.</p>`}
    <table class="bw-plan-table bw-plan-vehicles">
      <tbody>
        ${list.map((v) => {
          const id = v.id ?? v.sysid;
          return html`<tr data-sysid=${id}>
            <td><label class="bw-plan-check"><input type="checkbox" name=${`vehicle-${id}`} checked=${!!chosen[id]}
              onChange=${(e) => setChosen({ ...chosen, [id]: e.currentTarget.checked })} /> ${vehicleLabel(v)}</label></td>
            <td><button type="button" data-download=${id} title="Read this vehicle's mission, fence and rally points into the editor" onClick=${() => download(id)}>Download</button></td>
          </tr>`;
        })}
      </tbody>
    </table>
    <div class="bw-plan-row">
      <button type="button" data-action="upload" class="bw-plan-primary" disabled=${!ids.length || M.isEmpty(plan)} onClick=${upload}>
        Upload to ${ids.length} vehicle${ids.length === 1 ? "" : "s"}
      </button>
    </div>
    <${UploadProgress} />
    <${WarningDialog} />
  </div>`;
}

export { uploads };
