// The plan's name, the plan library (save as a new version, open any
// version) and files (import any supported format, export to one).
import { html } from "../html.js";
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
      const ans = await ep.savePlan(n, plan);
      store.libraryRef.value = { id: ans.name, version: ans.version };
      const errs = (ans.problems ?? []).filter((p) => p.severity === "error").length;
      store.say(`Saved "${ans.name}" as version ${ans.version}${errs ? ` (${errs} error${errs === 1 ? "" : "s"} to fix before an upload)` : ""}.`, errs ? "error" : "ok");
    } catch (err) {
      store.say(`Saving: ${err.message}`, "error");
    }
  };

  // Import reads one file, or a QGC WPL mission with its fence and rally
  // files picked together: each is converted by the server, and the lists
  // of all of them make the plan.
  const importFiles = async (e) => {
    const files = [...(e.currentTarget.files ?? [])];
    e.currentTarget.value = "";
    if (!files.length) return;
    try {
      let p = null;
      const notes = [];
      for (const f of files) {
        const q = await ep.toModel(await f.text());
        notes.push(...(q.notes ?? []));
        p = p ? M.mergeLists(p, q) : q;
      }
      const base = files[0].name.replace(/\.[^.]*$/, "").replace(/\.(fence|rally|mission)$/, "");
      store.load({ ...p, meta: { ...(p.meta ?? {}), name: p.meta?.name || base } });
      store.say(`Imported ${files.map((f) => f.name).join(", ")}${notes.length ? ` (${notes.join("; ")})` : ""}.`, "ok");
    } catch (err) {
      store.say(`Import: ${err.message}`, "error");
    }
  };

  // Export downloads the plan in a format; QGC WPL 110 holds one list per
  // file, so a plan with a fence or rally points gives two or three files.
  const exportFile = async () => {
    try {
      const lists = format === "wpl" ? ["mission", ...(plan.fence.polygons.length + plan.fence.circles.length ? ["fence"] : []), ...(plan.rally.length ? ["rally"] : [])] : [""];
      const names = [];
      for (const list of lists) {
        const f = await ep.exportFile(plan, format, list);
        download(f.filename, f.text, f.type);
        names.push(f.filename);
      }
      store.say(`Exported ${names.join(", ")}.`, "ok");
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
      <input ref=${fileRef} type="file" name="import-file" multiple hidden accept=".plan,.txt,.waypoints,.wpl,.fence,.rally,.geojson,.json,.kml" onChange=${importFiles} />
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
  const [history, setHistory] = useState({});
  const [error, setError] = useState("");
  useEffect(() => {
    ep.listPlans()
      .then((ans) => setPlans(ans ?? []))
      .catch((err) => setError(err.message));
  }, []);
  const openPlan = async (name, version) => {
    try {
      const ans = await ep.getPlan(name, version);
      store.load({ ...ans.plan, meta: { ...(ans.plan.meta ?? {}), name } }, { id: name, version: ans.version });
      store.say(`Opened "${name}" version ${ans.version}.`, "ok");
      onClose();
    } catch (err) {
      setError(err.message);
    }
  };
  const showHistory = async (name) => {
    try {
      const ans = await ep.getPlan(name);
      setHistory({ ...history, [name]: [...(ans.history ?? [])].reverse() });
    } catch (err) {
      setError(err.message);
    }
  };
  const remove = async (name) => {
    if (!confirm(`Delete the plan "${name}" and all its versions from the library?`)) return;
    try {
      await ep.deletePlan(name);
      setPlans(plans.filter((p) => p.name !== name));
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
      ${plans.map(
        (p) => html`<tr data-plan=${p.name}>
          <td>${p.name}<div class="bw-plan-hint-text">${p.versions} version${p.versions === 1 ? "" : "s"}${p.author ? `, last by ${p.author}` : ""}</div></td>
          <td>
            <button type="button" data-open=${p.name} onClick=${() => openPlan(p.name)}>Open</button>
            <button type="button" onClick=${() => showHistory(p.name)}>Versions</button>
            <button type="button" class="bw-plan-danger" onClick=${() => remove(p.name)}>Delete</button>
            ${history[p.name] &&
            html`<ul class="bw-plan-versions">${history[p.name].map(
              (v) => html`<li><button type="button" class="bw-plan-link" onClick=${() => openPlan(p.name, v.version)}>
                v${v.version}${v.author ? ` by ${v.author}` : ""}${v.time ? `, ${new Date(v.time).toLocaleString()}` : ""}</button>${v.comment ? ` ${v.comment}` : ""}</li>`,
            )}</ul>`}
          </td>
        </tr>`,
      )}
    </tbody></table>`}
    <button type="button" onClick=${onClose}>Close</button>
  </div>`;
}
