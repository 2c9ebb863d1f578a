// The audit trail (supervisors and admins): who did what, with its
// arguments, when, from where and with which result, filtered by user,
// action, vehicle and time. The server filters user, vehicle and time; the
// action filter narrows what it answered. Every field is shown as text.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api } from "../api.js";
import { toRFC3339 } from "../replay/sorties.js";

export function auditQuery(f) {
  const q = new URLSearchParams();
  if (f.user) q.set("user", f.user);
  if (f.vehicle) q.set("vehicle", f.vehicle);
  if (f.from && toRFC3339(f.from)) q.set("from", toRFC3339(f.from));
  if (f.to && toRFC3339(f.to)) q.set("to", toRFC3339(f.to));
  q.set("limit", String(f.limit || 1000));
  return q.toString();
}

export function AuditView() {
  const [f, setF] = useState({ user: "", action: "", vehicle: "", from: "", to: "", limit: 1000 });
  const [list, setList] = useState(null);
  const [error, setError] = useState("");
  const [seq, setSeq] = useState(0);
  useEffect(() => {
    let stale = false;
    api("GET", `/api/v1/audit?${auditQuery(f)}`)
      .then((l) => !stale && (setList(l.slice().reverse()), setError("")))
      .catch((err) => !stale && setError(err.message));
    return () => (stale = true);
  }, [seq, f.user, f.vehicle, f.from, f.to]);
  const set = (k) => (e) => setF({ ...f, [k]: e.currentTarget.value });
  const actions = [...new Set((list || []).map((a) => a.action))].sort();
  const rows = (list || []).filter((a) => !f.action || a.action === f.action);
  return html`<section id="bw-audit" class="bw-audit">
    <div class="bw-sortie-filters">
      <label>User <input id="bw-af-user" size="10" value=${f.user} onChange=${set("user")} /></label>
      <label>Action <select id="bw-af-action" value=${f.action} onChange=${set("action")}>
        <option value="">all</option>
        ${actions.map((a) => html`<option key=${a} value=${a}>${a}</option>`)}
      </select></label>
      <label>Drone <input id="bw-af-vehicle" class="bw-num" type="number" min="1" max="255" value=${f.vehicle} onChange=${set("vehicle")} /></label>
      <label>From <input id="bw-af-from" type="datetime-local" value=${f.from} onChange=${set("from")} /></label>
      <label>To <input id="bw-af-to" type="datetime-local" value=${f.to} onChange=${set("to")} /></label>
      <button class="bw-btn bw-btn-small" onClick=${() => setSeq((n) => n + 1)}>Refresh</button>
    </div>
    <div class="bw-table-wrap">
    <table class="bw-fleet bw-audit-table">
      <thead><tr><th>Time</th><th>User</th><th>Action</th><th>Drone</th><th>Arguments</th><th>Result</th><th>From</th></tr></thead>
      <tbody id="bw-audit-body">
        ${error && html`<tr><td colspan="7" class="bw-error">Audit trail unavailable: ${error}</td></tr>`}
        ${list && rows.length === 0 && html`<tr class="bw-empty"><td colspan="7">No action matches.</td></tr>`}
        ${rows.map(
          (a, i) => html`<tr key=${`${a.time}-${i}`} data-action=${a.action} data-user=${a.user}>
            <td title=${a.time}>${new Date(a.time).toLocaleString()}</td>
            <td>${a.user}</td>
            <td>${a.action}</td>
            <td>${a.sysid || ""}</td>
            <td class="bw-audit-detail">${a.detail}</td>
            <td class=${a.result && a.result !== "ok" ? "bw-error" : ""}>${a.result}</td>
            <td>${a.remote || ""}</td>
          </tr>`,
        )}
      </tbody>
    </table>
    </div>
    <div class="bw-hint">${list ? `${rows.length} of the newest ${list.length} actions` : "loading…"}, newest first.</div>
  </section>`;
}
