// Uploading plans to vehicles: several at once, each with its live
// progress (items sent of total, per list, from /ws/live) and its verified
// result or exact error; the server's warnings (far from home, the other
// autopilot, a fence-only plan that clears the mission) wait for the
// operator's confirmation and are then re-sent with ?confirm=1.
import { signal } from "@preact/signals";
import { toQGC } from "./model.js";

// uploads: sysid → {state: "sending"|"warning"|"verified"|"error",
// progress: {mission: {sent, total}, fence: …, rally: …}, warnings,
// error, result, plan, label}
export const uploads = signal({});

function setUpload(id, change) {
  const cur = uploads.peek()[id] ?? {};
  uploads.value = { ...uploads.peek(), [id]: { ...cur, ...change } };
}

const LIST_NAMES = ["mission", "fence", "rally"];

// onProgress applies one upload_progress message of /ws/live.
export function onProgress(msg) {
  const id = msg.sysid ?? msg.vehicle ?? msg.id;
  if (id === undefined) return;
  const cur = uploads.peek()[id];
  if (!cur || cur.state !== "sending") return;
  const list = typeof msg.list === "number" ? LIST_NAMES[msg.list] : msg.list ?? "mission";
  const sent = msg.sent ?? msg.done ?? 0;
  const total = msg.total ?? 0;
  setUpload(id, { progress: { ...cur.progress, [list]: { sent, total } } });
}

// The live stream carries every vehicle's state as well; the upload only
// needs its progress messages, so it holds its own connection while an
// upload runs and closes it after.
let ws = null;
let wsUsers = 0;

function openProgress() {
  wsUsers++;
  if (ws) return;
  const proto = location.protocol === "https:" ? "wss:" : "ws:";
  ws = new WebSocket(`${proto}//${location.host}/ws/live`);
  ws.onmessage = (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    if (msg.type === "upload_progress") onProgress(msg);
    else if (msg.type === "events") {
      for (const e of msg.events ?? []) if (e.type === "upload_progress") onProgress(e.event ?? e);
    }
  };
}

function closeProgress() {
  wsUsers = Math.max(0, wsUsers - 1);
  if (!wsUsers && ws) {
    ws.close();
    ws = null;
  }
}

// send is fetch with the API's conventions, answering the status and the
// parsed body: an upload's refusal carries warnings or what the vehicle
// holds now, which the caller shows as they are.
async function send(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = { error: `${res.status} ${res.statusText}` };
  }
  return { status: res.status, body: data ?? {} };
}

// uploadPlan sends one plan to one vehicle and records the outcome.
export async function uploadPlan(id, plan, { confirm = false, label = "" } = {}) {
  setUpload(id, { state: "sending", progress: {}, warnings: [], error: "", result: null, plan, label });
  openProgress();
  try {
    // Wait for the socket, so no early progress is missed.
    await waitOpen();
    const { status, body } = await send("PUT", `/api/v1/vehicles/${encodeURIComponent(id)}/plan${confirm ? "?confirm=1" : ""}`, toQGC(plan));
    const warnings = body.warnings ?? [];
    if (status >= 200 && status < 300 && body.verified !== false && !body.error) {
      const progress = { ...uploads.peek()[id]?.progress };
      for (const l of LIST_NAMES) {
        const r = body[l];
        const n = r?.items ?? r?.count ?? r?.sent;
        if (typeof n === "number") progress[l] = { sent: n, total: n };
      }
      setUpload(id, { state: body.verified ? "verified" : "sent", result: body, progress });
    } else if (warnings.length && !confirm) {
      setUpload(id, { state: "warning", warnings, error: body.error ?? "" });
    } else {
      setUpload(id, { state: "error", error: body.error ?? `HTTP ${status}`, result: body });
    }
  } catch (err) {
    setUpload(id, { state: "error", error: err.message });
  } finally {
    closeProgress();
  }
}

function waitOpen() {
  if (!ws || ws.readyState === WebSocket.OPEN) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => resolve();
    ws.addEventListener("open", done, { once: true });
    ws.addEventListener("error", done, { once: true });
    ws.addEventListener("close", done, { once: true });
  });
}

// uploadAll sends each [id, plan] pair at once (the server runs the
// transfers in parallel, one per vehicle).
export function uploadAll(pairs, opts = {}) {
  return Promise.all(pairs.map(([id, plan, label]) => uploadPlan(id, plan, { ...opts, label })));
}

// confirmWarnings re-sends the uploads that stopped at a warning.
export function confirmWarnings(ids) {
  const all = uploads.peek();
  return Promise.all(ids.map((id) => uploadPlan(id, all[id].plan, { confirm: true, label: all[id].label })));
}

export function dismiss(ids) {
  const next = { ...uploads.peek() };
  for (const id of ids) next[id] = { ...next[id], state: "cancelled" };
  uploads.value = next;
}
