// Notices: the answers of vehicles and server to what the operator did
// (accepted, refused with the vehicle's reason), shown on the map where the
// operator looks, until dismissed.
import { html } from "../html.js";
import { notices, dismissNotice } from "../state.js";

export function Notices() {
  const list = notices.value;
  if (!list.length) return null;
  return html`<div class="bw-notices" aria-live="polite">
    ${list.map(
      (n) => html`<div key=${n.id} class=${`bw-notice bw-notice-${n.kind}`} role=${n.kind === "error" ? "alert" : "status"}>
        <span class="bw-notice-text">${n.text}</span>
        <button class="bw-btn-x" title="Dismiss" onClick=${() => dismissNotice(n.id)}>×</button>
      </div>`,
    )}
  </div>`;
}
