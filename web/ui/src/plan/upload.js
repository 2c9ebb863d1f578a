// Uploading plans to vehicles: several at once, each with its live
// progress (items sent of total, per list, from /ws/live) and its verified
// result or exact error; the server's warnings (far from home, the other
// autopilot, a fence-only plan that clears the mission) wait for the
// operator's confirmation and are then re-sent with ?confirm=1.
import { signal } from "@preact/signals";
import { onLiveMessage } from "../live.js";
import { uploadToVehicle } from "./endpoints.js";

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
  const id = msg.vehicle;
  if (id === undefined) return;
  const cur = uploads.peek()[id];
  if (!cur || cur.state !== "sending") return;
  setUpload(id, { progress: { ...cur.progress, [msg.list]: { sent: msg.sent, total: msg.total, live: true } } });
}

// Progress arrives on the shell's /ws/live stream (the Plan tab keeps it live).
onLiveMessage((msg) => {
  if (msg.type === "upload_progress") onProgress(msg);
});

// uploadPlan sends one plan to one vehicle and records the outcome.
export async function uploadPlan(id, plan, { confirm = false, label = "" } = {}) {
  setUpload(id, { state: "sending", progress: {}, warnings: [], problems: [], error: "", result: null, plan, label });
  try {
    const { status, data } = await uploadToVehicle(id, plan, confirm);
    const body = data ?? {};
    if (status === 200 && body.verified) {
      // The answer is the truth: each list's count as verified.
      const progress = { ...uploads.peek()[id]?.progress };
      for (const l of LIST_NAMES) {
        const n = body[l]?.items;
        if (typeof n === "number") progress[l] = { sent: n, total: n, live: !!progress[l]?.live };
      }
      setUpload(id, { state: "verified", result: body, progress });
    } else if (status === 200) {
      setUpload(id, { state: "sent", result: body });
    } else if (status === 409 && body.warnings?.length && !confirm) {
      setUpload(id, { state: "warning", warnings: body.warnings, error: "" });
    } else {
      const problems = body.problems ?? [];
      setUpload(id, { state: "error", error: body.error ?? `HTTP ${status}`, problems, result: body });
    }
  } catch (err) {
    setUpload(id, { state: "error", error: err.message });
  }
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
