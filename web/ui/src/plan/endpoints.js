// The planning endpoints of the server (docs/api.md, "Plans"), in one
// place. Plans travel as the plan model (missions.Plan as JSON, the
// server's format "json"), which is the editor's own shape: its null params
// are NaN ("unused") on both sides.
import { api, ApiError } from "../api.js";
import { normalize } from "./model.js";

const MODEL = "application/vnd.borderwatch.plan+json";

// send is fetch with the API's conventions for bodies that are not a JSON
// object of the API (a plan file, the plan model). It answers {status,
// data, text, headers} and never throws for an HTTP status: an upload's
// refusal carries warnings and problems the caller shows as they are.
export async function send(method, path, body, contentType = MODEL, signal) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json" }, signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = contentType;
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    if (err?.name === "AbortError") throw err;
    throw new ApiError(0, `${method} ${path}: the server cannot be reached (${err.message})`);
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  return { status: res.status, ok: res.ok, data, text, headers: res.headers };
}

// must turns a refused answer into an ApiError with the server's message.
function must(r, what) {
  if (!r.ok) throw new ApiError(r.status, r.data?.error ?? `${what}: HTTP ${r.status}`, r.data);
  return r;
}

// The model as the server reads it (strict: no field it does not know).
export function wire(plan) {
  const p = normalize(plan);
  const out = { mission: p.mission, fence: { polygons: p.fence.polygons, circles: p.fence.circles }, rally: p.rally, vehicle: p.vehicle, meta: {} };
  if (p.home) out.home = p.home;
  if (p.fence.return) out.fence.return = p.fence.return;
  for (const k of ["name", "author", "comment", "revision", "created_at"]) if (p.meta[k]) out.meta[k] = p.meta[k];
  return out;
}

// validate asks for the plan's problems: its own checks, the spatial
// checks against its fence and no-fly zones, and the border rule.
export async function validate(plan, signal) {
  const fw = plan.vehicle?.firmware_type === 12 ? "px4" : plan.vehicle?.firmware_type === 3 ? "ardupilot" : "";
  const r = await send("POST", `/api/v1/plans/validate?format=json${fw ? `&firmware=${fw}` : ""}`, wire(plan), MODEL, signal);
  return must(r, "validate").data;
}

// uploadToVehicle answers {status, data}: 200 verified, 409 with warnings to
// confirm, 422 with the problems that stop it, else the vehicle's error.
export function uploadToVehicle(id, plan, confirm) {
  return send("PUT", `/api/v1/vehicles/${encodeURIComponent(id)}/plan?format=json${confirm ? "&confirm=1" : ""}`, wire(plan));
}

// downloadFromVehicle reads the vehicle's plan as the model.
export async function downloadFromVehicle(id) {
  const r = must(await send("GET", `/api/v1/vehicles/${encodeURIComponent(id)}/plan`), `vehicle ${id}`);
  return toModel(r.text, "plan");
}

export function listPlans() {
  return api("GET", "/api/v1/plans");
}

// getPlan answers {name, version, plan, history, …}.
export function getPlan(name, version) {
  return api("GET", `/api/v1/plans/${encodeURIComponent(name)}${version ? `?version=${encodeURIComponent(version)}` : ""}`);
}

// savePlan stores the plan as version 1 of a new name, or as the next
// version of an existing one.
export async function savePlan(name, plan, comment = "") {
  const q = `${comment ? `&comment=${encodeURIComponent(comment)}` : ""}`;
  let r = await send("POST", `/api/v1/plans?name=${encodeURIComponent(name)}&format=json${q}`, wire(plan));
  if (r.status === 409) r = await send("PUT", `/api/v1/plans/${encodeURIComponent(name)}?format=json${q}`, wire(plan));
  return must(r, "save").data;
}

export function deletePlan(name) {
  return api("DELETE", `/api/v1/plans/${encodeURIComponent(name)}`);
}

// toModel converts a file's text in any supported format (detected by the
// server when format is "") into the plan model.
export async function toModel(text, format = "") {
  const r = must(await send("POST", `/api/v1/plans/convert?to=json${format ? `&format=${format}` : ""}`, text, "text/plain"), "import");
  return { ...normalize(r.data), notes: r.data?.notes ?? [] };
}

// exportFile writes the plan in a format (list picks a WPL file's list):
// {filename, text, type}.
export async function exportFile(plan, format, list = "") {
  const r = must(await send("POST", `/api/v1/plans/convert?format=json&to=${format}${list ? `&list=${list}` : ""}`, wire(plan)), "export");
  const cd = r.headers.get("Content-Disposition") ?? "";
  const m = /filename="?([^";]+)"?/.exec(cd);
  return { filename: m ? m[1] : `plan.${format}`, text: r.text, type: r.headers.get("Content-Type") ?? "application/octet-stream" };
}

export function layers() {
  return api("GET", "/api/v1/layers");
}

export function layer(id) {
  return api("GET", `/api/v1/layers/${encodeURIComponent(id)}`);
}

export function corridor(req) {
  return api("POST", "/api/v1/routes/corridor", req);
}

export function transit(req) {
  return api("POST", "/api/v1/routes/transit", req);
}
