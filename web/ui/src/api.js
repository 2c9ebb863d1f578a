// The one way the UI talks to the server's JSON API (docs/api.md).
// Same-origin credentials carry the session cookie; every body is JSON with
// its Content-Type (the server refuses anything else with 415).

// ApiError is a refused or failed request: .status is the HTTP status (0
// when the server could not be reached) and .message the server's
// {"error": …} text, which says what went wrong.
export class ApiError extends Error {
  constructor(status, message, data = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    // data: the whole answer (a refused command still says what the vehicle answered).
    this.data = data;
  }
}

// api(method, path, body) answers the parsed JSON (null for an empty
// answer) or throws ApiError. A 401 also calls the handler set with
// onUnauthorized, so an expired session shows the login view.
export async function api(method, path, body) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, `${method} ${path}: the server cannot be reached (${err.message})`);
  }
  const text = await res.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      if (res.ok) throw new ApiError(res.status, `${method} ${path}: the answer is not JSON`);
    }
  }
  if (!res.ok) {
    const msg = (data && data.error) || `${method} ${path}: HTTP ${res.status}`;
    if (res.status === 401 && unauthorized) unauthorized();
    throw new ApiError(res.status, msg, data);
  }
  return data;
}

let unauthorized = null;

// onUnauthorized sets what happens when the server answers 401 (the session ended).
export function onUnauthorized(fn) {
  unauthorized = fn;
}
