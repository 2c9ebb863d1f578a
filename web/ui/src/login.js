// A minimal login form until the Preact UI's login page replaces it. It asks
// GET /api/v1/session who is logged in; on 401 it shows a form that posts to
// POST /api/v1/session (which sets the HttpOnly session cookie) and resolves
// once logged in. Everything from the server is shown with textContent.

async function whoAmI() {
  const res = await fetch("/api/v1/session", { credentials: "same-origin" });
  if (res.status === 401) return null;
  if (!res.ok) throw new Error(`/api/v1/session: HTTP ${res.status}`);
  return res.json();
}

function el(tag, props = {}, children = []) {
  const e = document.createElement(tag);
  Object.assign(e, props);
  for (const c of children) e.append(c);
  return e;
}

function showForm() {
  return new Promise((resolve) => {
    const user = el("input", { id: "bw-login-user", name: "user", autocomplete: "username", required: true });
    const pass = el("input", { id: "bw-login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
    const msg = el("p", { id: "bw-login-error", className: "bw-login-error" });
    const button = el("button", { id: "bw-login-submit", type: "submit", textContent: "Log in" });
    const form = el("form", { id: "bw-login", className: "bw-login" }, [
      el("h1", { textContent: "Borderwatch" }),
      el("label", { textContent: "User " }, [user]),
      el("label", { textContent: "Password " }, [pass]),
      button,
      msg,
    ]);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      msg.textContent = "";
      button.disabled = true;
      try {
        const res = await fetch("/api/v1/session", {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ user: user.value, password: pass.value }),
        });
        const body = await res.json().catch(() => ({}));
        if (!res.ok) {
          msg.textContent = body.error || `HTTP ${res.status}`;
          return;
        }
        form.remove();
        resolve(body);
      } catch (err) {
        msg.textContent = err.message;
      } finally {
        button.disabled = false;
        pass.value = "";
      }
    });
    document.body.append(form);
    user.focus();
  });
}

// showUser puts the user's name and a logout button in the header.
function showUser(info) {
  const header = document.querySelector(".bw-header");
  if (!header) return;
  const logout = el("button", { id: "bw-logout", className: "bw-tab", textContent: "Log out" });
  logout.addEventListener("click", async () => {
    await fetch("/api/v1/session", { method: "DELETE", credentials: "same-origin" });
    location.reload();
  });
  header.append(el("span", { id: "bw-user", className: "bw-user", textContent: `${info.user} (${info.role})` }), logout);
}

// ensureLogin resolves with {user, role, permissions} once logged in.
export async function ensureLogin() {
  const info = (await whoAmI()) || (await showForm());
  showUser(info);
  return info;
}
