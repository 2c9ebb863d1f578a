// The login view: name and password to POST /api/v1/session.
import { useState } from "preact/hooks";
import { html } from "../html.js";
import { login } from "../session.js";

export function LoginView() {
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError("");
    try {
      await login(name, password);
    } catch (err) {
      setError(err.message);
      setPassword("");
      setBusy(false);
    }
  };
  return html`<main class="bw-login">
    <form class="bw-login-form" id="bw-login" onSubmit=${submit}>
      <h1>Log in to Borderwatch</h1>
      <label>Name <input id="bw-login-name" name="user" autocomplete="username" required value=${name} onInput=${(e) => setName(e.currentTarget.value)} /></label>
      <label>Password <input id="bw-login-password" name="password" type="password" autocomplete="current-password" required value=${password} onInput=${(e) => setPassword(e.currentTarget.value)} /></label>
      <button class="bw-btn bw-btn-primary" id="bw-login-submit" type="submit" disabled=${busy}>${busy ? "Logging in…" : "Log in"}</button>
      ${error && html`<p class="bw-error" role="alert" id="bw-login-error">${error}</p>`}
    </form>
  </main>`;
}
