// The planning endpoints of the server (docs/api.md), in one place.
import { api } from "../api.js";
import { toQGC } from "./model.js";

// validate asks the server for the plan's problems (plan checks, the
// spatial checks against its fence and the no-fly zones, the border rule).
export function validate(plan, signal) {
  return api("POST", "/api/v1/plans/validate", { plan }, { signal });
}

export function uploadToVehicle(id, plan, confirm) {
  return api("PUT", `/api/v1/vehicles/${encodeURIComponent(id)}/plan${confirm ? "?confirm=1" : ""}`, toQGC(plan));
}

export function downloadFromVehicle(id) {
  return api("GET", `/api/v1/vehicles/${encodeURIComponent(id)}/plan`);
}

export function listPlans() {
  return api("GET", "/api/v1/plans");
}

export function getPlan(id, version) {
  return api("GET", `/api/v1/plans/${encodeURIComponent(id)}${version ? `?version=${encodeURIComponent(version)}` : ""}`);
}

export function planVersions(id) {
  return api("GET", `/api/v1/plans/${encodeURIComponent(id)}/versions`);
}

export function createPlan(name, plan) {
  return api("POST", "/api/v1/plans", { name, plan });
}

export function updatePlan(id, name, plan) {
  return api("PUT", `/api/v1/plans/${encodeURIComponent(id)}`, { name, plan });
}

export function deletePlan(id) {
  return api("DELETE", `/api/v1/plans/${encodeURIComponent(id)}`);
}

// importFile converts a file in any supported format into the plan model.
export function importFile(name, text) {
  return api("POST", "/api/v1/plans/convert", { filename: name, data: text, to: "json" });
}

// exportFile converts the plan into a format's file(s): [{filename, data}].
export function exportFile(plan, format) {
  return api("POST", "/api/v1/plans/convert", { plan, to: format });
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
