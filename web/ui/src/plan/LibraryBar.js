// The plan's name, the plan library (save as a new version, open any
// version) and files (import any supported format, export to one).
import { html } from "htm/preact";
import { useEffect, useRef, useState } from "preact/hooks";
import * as store from "./store.js";
import * as M from "./model.js";
import * as ep from "./endpoints.js";

export const FORMATS = [
  ["plan", "QGroundControl .plan"],
  ["wpl", "QGC WPL 110 (+ fence, rally)"],
  ["geojson", "GeoJSON"],
  ["kml", "KML"],
];

// download saves text as a file through the browser.
export function download(filename, text, type = "application/octet-stream") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function safeName(name) {
  return (name || "plan").replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 80) || "plan";
}

export function LibraryBar() {
  const plan = store.plan.value;
  const ref = store.libraryRef.value;
  const [open, setOpen] = useState(false);
  const [format, setFormat] = useState("plan");
  const fileRef = useRef(null);
  const name = plan.meta?.name ?? "";

  const save = async () => {
    const n = name.trim();
    if (!n) {
      store.say("Give the plan a name before saving it.", "error");
      return;
    }
    try {
      const ans = ref && ref.id === n ? await ep.updatePlan(n, n, plan) : await ep.createPlan(n, plan).catch((err) => (err.status === 409 ? ep.updatePlan(n, n, plan) : Promise.reject(err)));
      const version = ans?.version ?? ans?.Version;
      store.libraryRef.value = { id: ans?.name ?? n, version };
      store.say(`Saved "${n}" as version ${version}.`, "ok");
    } catch (err) {
      store.say(`Saving: ${err.message}`, "error");
    }
  };

  const importFile = async (e) => {
    const f = e.currentTarget.files?.[0];
    e.currentTarget.value = "";
    if (!f) return;
    try {
      const text = await f.text();
      const ans = await ep.importFile(f.name, text);
      const p = ans?.plan ?? ans;
      store.load({ ...p, meta: { ...(p.meta ?? {}), name: p.meta?.name || f.name.replace(/\.[^.]*$/, "") } });
      const notes = ans?.notes ?? p.notes ?? [];
      store.say(`Imported ${f.name}${notes.length ? ` (${notes.join("; ")})` : ""}.`, "ok");
    } catch (err) {
      store.say(`Import of ${f.name}: ${err.message}`, "error");
    }
  };

  const exportFile = async () => {
    try {
      const ans = await ep.exportFile(plan, format);
      const files = ans?.files ?? [ans];
      for (const f of files) download(f.filename ?? `${safeName(name)}.${format}`, f.data ?? "", f.content_type);
      store.say(`Exported ${files.map((f) => f.filename).join(", ")}.`, "ok");
    } catch (err) {
      store.say(`Export: ${err.message}`, "error");
    }
  };

  return html`<div class="bw-plan-library">
    <div class="bw-plan-row">
      <input class="bw-plan-name" name="plan-name" placeholder="Plan name" value=${name} maxlength="200"
        onChange=${(e) => store.edit((p) => M.setMeta(p, { name: e.currentTarget.value }))} />
      <select name="firmware" title="Autopilot the plan is for" value=${String(plan.vehicle?.firmware_type ?? 0)}
        onChange=${(e) => store.edit((p) => M.setVehicle(p, { firmware_type: Number(e.currentTarget.value) }))}>
        <option value="3">ArduPilot</option><option value="12">PX4</option><option value="0">generic</option>
      </select>
    </div>
    <div class="bw-plan-row">
      <button type="button" data-action="new" onClick=${() => store.load(M.emptyPlan())}>New</button>
      <button type="button" data-action="save" onClick=${save}>Save</button>
      <button type="button" data-action="open" onClick=${() => setOpen(!open)}>Open…</button>
      <button type="button" data-action="import" onClick=${() => fileRef.current?.click()}>Import…</button>
      <input ref=${fileRef} type="file" hidden accept=".plan,.txt,.waypoints,.wpl,.fence,.rally,.geojson,.json,.kml" onChange=${importFile} />
      <select name="export-format" value=${format} onChange=${(e) => setFormat(e.currentTarget.value)}>
        ${FORMATS.map(([id, title]) => html`<option value=${id}>${title}</option>`)}
      </select>
      <button type="button" data-action="export" onClick=${exportFile} disabled=${M.isEmpty(plan)}>Export</button>
    </div>
    ${ref && html`<div class="bw-plan-hint-text">Library: ${ref.id}${ref.version ? `, version ${ref.version}` : ""}</div>`}
    ${open && html`<${LibraryList} onClose=${() => setOpen(false)} />`}
  </div>`;
}

function LibraryList({ onClose }) {
  const [plans, setPlans] = useState(null);
  const [versions, setVersions] = useState({});
  const [error, setError] = useState("");
  useEffect(() => {
    ep.listPlans()
      .then((ans) => setPlans(Array.isArray(ans) ? ans : ans?.plans ?? []))
      .catch((err) => setError(err.message));
  }, []);
  const openPlan = async (id, version) => {
    try {
      const ans = await ep.getPlan(id, version);
      const p = ans?.plan ?? ans;
      store.load({ ...p, meta: { ...(p.meta ?? {}), name: p.meta?.name || id } }, { id, version: ans?.version ?? version });
      store.say(`Opened "${id}"${ans?.version ? ` version ${ans.version}` : ""}.`, "ok");
      onClose();
    } catch (err) {
      setError(err.message);
    }
  };
  const showVersions = async (id) => {
    try {
      const ans = await ep.planVersions(id);
      setVersions({ ...versions, [id]: Array.isArray(ans) ? ans : ans?.versions ?? [] });
    } catch (err) {
      setError(err.message);
    }
  };
  const remove = async (id) => {
    if (!confirm(`Delete the plan "${id}" and all its versions from the library?`)) return;
    try {
      await ep.deletePlan(id);
      setPlans(plans.filter((p) => (p.name ?? p.id) !== id));
    } catch (err) {
      setError(err.message);
    }
  };
  return html`<div class="bw-plan-library-list">
    ${error && html`<div class="bw-plan-problem-error">${error}</div>`}
    ${plans === null && !error && html`<div>Loading…</div>`}
    ${plans && plans.length === 0 && html`<div class="bw-plan-hint-text">The library is empty.</div>`}
    ${plans &&
    html`<table class="bw-plan-table"><tbody>
      ${plans.map((p) => {
        const id = p.name ?? p.id;
        return html`<tr data-plan=${id}>
          <td>${id}</td>
          <td>v${p.version ?? p.latest ?? p.versions}</td>
          <td>
            <button type="button" data-open=${id} onClick=${() => openPlan(id)}>Open</button>
            <button type="button" onClick=${() => showVersions(id)}>Versions</button>
            <button type="button" class="bw-plan-danger" onClick=${() => remove(id)}>Delete</button>
            ${versions[id] &&
            html`<ul class="bw-plan-versions">${versions[id].map(
              (v) => html`<li><button type="button" class="bw-plan-link" onClick=${() => openPlan(id, v.version)}>
                v${v.version} ${v.author ? `by ${v.author}` : ""} ${v.time ? new Date(v.time).toLocaleString() : ""}</button> ${v.comment ?? ""}</li>`,
            )}</ul>`}
          </td>
        </tr>`;
      })}
    </tbody></table>`}
    <button type="button" onClick=${onClose}>Close</button>
  </div>`;
}
