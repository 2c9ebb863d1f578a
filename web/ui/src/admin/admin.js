// The Admin tab: users and roles (add, remove, change role, reset
// password), API tokens (create — the secret is shown once —, list,
// revoke) and per-vehicle MAVLink signing (status, provision, remove, the
// link's signature rejections). Passwords and keys live only in the form
// fields while they are typed; nothing secret is kept or logged here.
import { useEffect, useState } from "preact/hooks";
import { html } from "../html.js";
import { api } from "../api.js";
import { user, vehicles, notify } from "../state.js";

const roles = ["operator", "supervisor", "admin"];

function useList(path) {
  const [list, setList] = useState(null);
  const [error, setError] = useState("");
  const [seq, setSeq] = useState(0);
  useEffect(() => {
    let stale = false;
    api("GET", path)
      .then((l) => !stale && (setList(l || []), setError("")))
      .catch((err) => !stale && setError(err.message));
    return () => (stale = true);
  }, [seq]);
  return [list, error, () => setSeq((n) => n + 1)];
}

// run calls the API and reports the result where the admin looks.
async function run(what, fn) {
  try {
    const out = await fn();
    notify("ok", what);
    return out;
  } catch (err) {
    notify("error", `${what}: ${err.message}`);
    return null;
  }
}

function Users() {
  const [list, error, reload] = useList("/api/v1/users");
  const [name, setName] = useState("");
  const [role, setRole] = useState("supervisor");
  const [pw, setPw] = useState("");
  const [reset, setReset] = useState(null); // {name, pw}
  const add = async (e) => {
    e.preventDefault();
    if (await run(`User ${name} added as ${role}`, () => api("POST", "/api/v1/users", { name, role, password: pw }))) {
      setName("");
      setPw("");
      reload();
    }
  };
  const me = user.value?.name;
  return html`<section class="bw-admin-section" id="bw-admin-users">
    <h3>Users and roles</h3>
    <div class="bw-table-wrap"><table class="bw-fleet">
      <thead><tr><th>Name</th><th>Role</th><th></th></tr></thead>
      <tbody id="bw-users-body">
        ${error && html`<tr><td colspan="3" class="bw-error">${error}</td></tr>`}
        ${(list || []).map(
          (u) => html`<tr key=${u.name} data-user=${u.name}>
            <td title=${`created ${new Date(u.created).toLocaleString()}`}>${u.name}${u.name === me ? " (you)" : ""}</td>
            <td><select class="bw-user-role" value=${u.role} title="Change the role"
              onChange=${async (e) => {
                const r = e.currentTarget.value;
                await run(`${u.name} is now ${r}`, () => api("PATCH", `/api/v1/users/${encodeURIComponent(u.name)}`, { role: r }));
                reload();
              }}>${roles.map((r) => html`<option key=${r} value=${r}>${r}</option>`)}</select></td>
            <td class="bw-nowrap">
              <button class="bw-btn bw-btn-small bw-user-reset" onClick=${() => setReset({ name: u.name, pw: "" })}>Password…</button>
              <button class="bw-btn bw-btn-small bw-btn-danger bw-user-remove" disabled=${u.name === me} title=${u.name === me ? "You cannot remove yourself" : "Remove this user"}
                onClick=${async () => {
                  if (!confirm(`Remove the user ${u.name}? Their sessions and tokens end.`)) return;
                  await run(`User ${u.name} removed`, () => api("DELETE", `/api/v1/users/${encodeURIComponent(u.name)}`));
                  reload();
                }}>Remove</button>
            </td>
          </tr>`,
        )}
      </tbody>
    </table></div>
    ${reset &&
    html`<form class="bw-admin-form" id="bw-reset-form" onSubmit=${async (e) => {
      e.preventDefault();
      if (await run(`Password of ${reset.name} reset`, () => api("PATCH", `/api/v1/users/${encodeURIComponent(reset.name)}`, { password: reset.pw }))) setReset(null);
    }}>
      <label>New password for ${reset.name} <input type="password" id="bw-reset-password" autocomplete="new-password" value=${reset.pw} onInput=${(e) => setReset({ ...reset, pw: e.currentTarget.value })} /></label>
      <button class="bw-btn bw-btn-primary" type="submit">Set password</button>
      <button class="bw-btn" type="button" onClick=${() => setReset(null)}>Cancel</button>
    </form>`}
    <form class="bw-admin-form" id="bw-user-add" onSubmit=${add}>
      <label>Name <input id="bw-user-name" size="12" autocomplete="off" value=${name} onInput=${(e) => setName(e.currentTarget.value)} /></label>
      <label>Role <select id="bw-user-newrole" value=${role} onChange=${(e) => setRole(e.currentTarget.value)}>${roles.map((r) => html`<option key=${r} value=${r}>${r}</option>`)}</select></label>
      <label>Password <input id="bw-user-password" type="password" size="12" autocomplete="new-password" value=${pw} onInput=${(e) => setPw(e.currentTarget.value)} /></label>
      <button class="bw-btn bw-btn-primary" type="submit" id="bw-user-add-btn">Add user</button>
    </form>
  </section>`;
}

function Tokens() {
  const [list, error, reload] = useList("/api/v1/tokens");
  const [owner, setOwner] = useState(user.value?.name || "");
  const [expires, setExpires] = useState("720h");
  const [comment, setComment] = useState("");
  const [created, setCreated] = useState(null); // {token, id}: shown once
  const create = async (e) => {
    e.preventDefault();
    const out = await run(`Token created for ${owner}`, () => api("POST", "/api/v1/tokens", { user: owner, expires, comment }));
    if (out) {
      setCreated({ token: out.token, id: out.id });
      reload();
    }
  };
  return html`<section class="bw-admin-section" id="bw-admin-tokens">
    <h3>API tokens</h3>
    ${created &&
    html`<div class="bw-token-once" id="bw-token-once">
      <div>Token ${created.id}: copy it now, it is not shown again.</div>
      <input readonly id="bw-token-secret" value=${created.token} onFocus=${(e) => e.currentTarget.select()} />
      <button class="bw-btn bw-btn-small" onClick=${() => setCreated(null)}>Done</button>
    </div>`}
    <div class="bw-table-wrap"><table class="bw-fleet">
      <thead><tr><th>ID</th><th>User</th><th>Expires</th><th>Comment</th><th></th></tr></thead>
      <tbody id="bw-tokens-body">
        ${error && html`<tr><td colspan="5" class="bw-error">${error}</td></tr>`}
        ${list && list.length === 0 && html`<tr class="bw-empty"><td colspan="5">No token.</td></tr>`}
        ${(list || []).map(
          (t) => html`<tr key=${t.id} data-token=${t.id}>
            <td class="bw-token-id" title=${`created ${new Date(t.created).toLocaleString()}`}>${t.id}</td><td>${t.user}</td>
            <td>${t.expires ? new Date(t.expires).toLocaleDateString() : "never"}</td><td>${t.comment || ""}</td>
            <td><button class="bw-btn bw-btn-small bw-btn-danger bw-token-revoke" onClick=${async () => {
              if (!confirm(`Revoke token ${t.id} of ${t.user}? Scripts using it stop working.`)) return;
              await run(`Token ${t.id} revoked`, () => api("DELETE", `/api/v1/tokens/${encodeURIComponent(t.id)}`));
              reload();
            }}>Revoke</button></td>
          </tr>`,
        )}
      </tbody>
    </table></div>
    <form class="bw-admin-form" id="bw-token-create" onSubmit=${create}>
      <label>User <input size="10" id="bw-token-user" value=${owner} onInput=${(e) => setOwner(e.currentTarget.value)} /></label>
      <label>Expires <input size="6" id="bw-token-expires" title="A duration such as 720h; 0 for never" value=${expires} onInput=${(e) => setExpires(e.currentTarget.value)} /></label>
      <label>Comment <input size="12" id="bw-token-comment" value=${comment} onInput=${(e) => setComment(e.currentTarget.value)} /></label>
      <button class="bw-btn bw-btn-primary" type="submit">Create token</button>
    </form>
  </section>`;
}

function randomKeyHex() {
  const b = new Uint8Array(32);
  crypto.getRandomValues(b);
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

function Signing() {
  const list = [...vehicles.value.values()].sort((a, b) => a.sysid - b.sysid);
  const [target, setTarget] = useState(null); // sysid being provisioned
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const provision = async (e) => {
    e.preventDefault();
    setBusy(true);
    const ok = await run(`Signing provisioned on drone ${target}`, () => api("PUT", `/api/v1/vehicles/${target}/signing`, { key_hex: key.trim() }));
    setBusy(false);
    if (ok) {
      setKey("");
      setTarget(null);
    }
  };
  return html`<section class="bw-admin-section" id="bw-admin-signing">
    <h3>MAVLink signing</h3>
    <div class="bw-table-wrap"><table class="bw-fleet">
      <thead><tr><th>Drone</th><th>Link</th><th>Signed</th><th title="Frames refused by signature checks (unsigned, wrong key, replayed)">Rejected</th><th></th></tr></thead>
      <tbody id="bw-signing-body">
        ${list.length === 0 && html`<tr class="bw-empty"><td colspan="5">No vehicle heard.</td></tr>`}
        ${list.map(
          (v) => html`<tr key=${v.id} data-vehicle=${v.id}>
            <td>${v.id}</td><td class=${v.link_ok ? "" : "bw-lost"}>${v.link_ok ? "ok" : "lost"}</td>
            <td>${v.signed ? "signed" : "unsigned"}</td>
            <td class=${v.link_stats?.signing_rejected ? "bw-lost" : ""}>${v.link_stats?.signing_rejected ?? 0}</td>
            <td class="bw-nowrap">
              <button class="bw-btn bw-btn-small bw-sign-provision" onClick=${() => (setTarget(v.id), setKey(randomKeyHex()))}>Provision…</button>
              <button class="bw-btn bw-btn-small bw-btn-danger bw-sign-remove" onClick=${async () => {
                if (!confirm(`Stop signing on drone ${v.id} and forget its key?`)) return;
                await run(`Signing removed from drone ${v.id}`, () => api("DELETE", `/api/v1/vehicles/${v.id}/signing`));
              }}>Remove</button>
            </td>
          </tr>`,
        )}
      </tbody>
    </table></div>
    ${target !== null &&
    html`<form class="bw-admin-form bw-sign-form" id="bw-sign-form" onSubmit=${provision}>
      <p class="bw-warn" id="bw-sign-warning">Warning: the first provisioning sends the key to drone ${target} in clear (SETUP_SIGNING is not signed).
        Do it only over a trusted link (a cable or the bench radio), never over the air in the field.</p>
      <label>Key (64 hex digits; a random one is filled in) <input type="password" id="bw-sign-key" size="30" autocomplete="off" value=${key} onInput=${(e) => setKey(e.currentTarget.value)} /></label>
      <button class="bw-btn bw-btn-primary" type="submit" disabled=${busy}>${busy ? "Provisioning…" : "Provision key"}</button>
      <button class="bw-btn" type="button" onClick=${() => (setTarget(null), setKey(""))}>Cancel</button>
    </form>`}
  </section>`;
}

export function AdminView() {
  return html`<div id="bw-admin" class="bw-admin">
    <${Users} />
    <${Tokens} />
    <${Signing} />
  </div>`;
}
