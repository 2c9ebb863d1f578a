// The keyboard shortcuts, listed where an operator can find them: the ?
// key or the header's "Keys" button opens this list (src/shortcuts.js
// holds the table, so the list and the keys never disagree).
import { html } from "../html.js";
import { shortcuts, helpShown } from "../shortcuts.js";

export function ShortcutHelp() {
  if (!helpShown.value) return null;
  const close = () => (helpShown.value = false);
  return html`<div class="bw-modal-back" onClick=${(e) => e.target === e.currentTarget && close()}>
    <div class="bw-modal" role="dialog" aria-modal="true" aria-labelledby="bw-help-title" id="bw-help">
      <h2 id="bw-help-title">Keyboard shortcuts</h2>
      <table class="bw-kv bw-help-keys">
        ${shortcuts.map((s) => html`<tr key=${s.keys}><th><kbd>${s.keys}</kbd></th><td>${s.what}</td></tr>`)}
      </table>
      <p class="bw-hint">Not while typing in a field; a command still asks for its confirmation.</p>
      <div class="bw-modal-buttons"><button class="bw-btn bw-btn-primary" onClick=${close}>Close</button></div>
    </div>
  </div>`;
}
