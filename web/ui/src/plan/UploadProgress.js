// Per-vehicle upload progress and results, and the dialog that asks the
// operator to confirm the server's warnings.
import { html } from "../html.js";
import { uploads, confirmWarnings, dismiss } from "./upload.js";

const LISTS = ["mission", "fence", "rally"];

export function UploadProgress() {
  const all = uploads.value;
  const ids = Object.keys(all).filter((id) => all[id].state !== "cancelled");
  if (!ids.length) return null;
  return html`<table class="bw-plan-table bw-plan-progress">
    <tbody>
      ${ids.map((id) => {
        const u = all[id];
        return html`<tr data-upload=${id} data-state=${u.state}>
          <td>#${id}${u.label ? html`<div class="bw-plan-hint-text">${u.label}</div>` : ""}</td>
          <td>
            ${LISTS.map((l) => {
              const p = u.progress?.[l];
              if (!p) return null;
              const pct = p.total ? Math.round((100 * p.sent) / p.total) : 100;
              return html`<div class="bw-plan-bar" data-list=${l} data-live=${p.live ? "1" : "0"} title=${`${l}: ${p.sent} of ${p.total}`}>
                <span class="bw-plan-bar-fill" style=${{ width: `${pct}%` }}></span>
                <span class="bw-plan-bar-text">${l} ${p.sent}/${p.total}</span>
              </div>`;
            })}
            <div class=${`bw-plan-upload-state bw-plan-upload-${u.state}`}>
              ${u.state === "sending" ? "sending…" : u.state === "verified" ? "verified" : u.state === "sent" ? "sent (not verified)" : u.state === "warning" ? "waiting for confirmation" : "failed"}
            </div>
            ${u.error && html`<div class="bw-plan-problem-error bw-plan-upload-error">${u.error}</div>`}
            ${u.problems?.length > 0 && html`<ul class="bw-plan-upload-problems">${u.problems.map((p) => html`<li>${p.message}</li>`)}</ul>`}
          </td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}

export function WarningDialog() {
  const all = uploads.value;
  const ids = Object.keys(all).filter((id) => all[id].state === "warning");
  if (!ids.length) return null;
  return html`<div class="bw-plan-modal" role="dialog" aria-modal="true" aria-labelledby="bw-plan-warn-title">
    <div class="bw-plan-dialog">
      <h3 id="bw-plan-warn-title">Confirm the upload</h3>
      ${ids.map(
        (id) => html`<div class="bw-plan-warning" data-sysid=${id}>
          <strong>Vehicle #${id}</strong>
          <ul>${all[id].warnings.map((w) => html`<li data-code=${w.code ?? ""}>${w.message ?? String(w)}</li>`)}</ul>
        </div>`,
      )}
      <div class="bw-plan-row">
        <button type="button" data-action="confirm-upload" class="bw-plan-primary" onClick=${() => confirmWarnings(ids)}>Upload anyway</button>
        <button type="button" data-action="cancel-upload" onClick=${() => dismiss(ids)}>Cancel</button>
      </div>
    </div>
  </div>`;
}
