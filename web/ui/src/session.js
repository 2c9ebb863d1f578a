// The login session (docs/api.md: POST/GET/DELETE /api/v1/session). The
// server keeps the session in an HttpOnly cookie; the page only learns who
// is logged in and what they may do.
import { api, onUnauthorized } from "./api.js";
import { user, sessionChecked } from "./state.js";

// checkSession asks the server who this browser is logged in as.
export async function checkSession() {
  try {
    user.value = asUser(await api("GET", "/api/v1/session"));
  } catch {
    // 401: not logged in (or the session expired); the login view shows.
    user.value = null;
  }
  sessionChecked.value = true;
}

// asUser turns the server's session answer {user, role, permissions, via} into state.user.
function asUser(info) {
  return { name: info.user, role: info.role, permissions: info.permissions || [] };
}

export async function login(name, password) {
  user.value = asUser(await api("POST", "/api/v1/session", { user: name, password }));
}

export async function logout() {
  try {
    await api("DELETE", "/api/v1/session");
  } finally {
    user.value = null;
  }
}

onUnauthorized(() => {
  user.value = null;
});
