// Vehicle commands from the panel and on a multi-selection. Every command
// goes through a confirmation that names each target vehicle; destructive
// ones (a disarm while flying, anything forced) need a second, explicit
// step. The vehicles' answers, refusals and their reasons included, are
// shown as notices on the map and in the vehicle panel.
import { signal } from "@preact/signals";
import { useState, useLayoutEffect, useRef } from "preact/hooks";
import { html } from "../html.js";
import { api, ApiError } from "../api.js";
import { vehicles, notify, can } from "../state.js";
import { callsign } from "../map/drones.js";
import { pickPoint } from "../map/pick.js";
import { commonModes, localModes } from "./modes.js";

// localTarget: the vehicles of this server, which commands go to. Another
// target (a headquarters' station vehicles, src/hq/command.js) gives its
// own vehicles, paths and names; the buttons, confirmation and answers are
// the same.
export const localTarget = {
  vehicles: () => vehicles.value,
  commandPath: (id) => `/api/v1/vehicles/${encodeURIComponent(id)}/commands`,
  // fleetPath: one request for several vehicles (null: one request each).
  fleetPath: "/api/v1/commands",
  modes: localModes,
  name: callsign,
};

// pending: the command waiting for the operator's confirmation.
export const pending = signal(null);
// answers: Map vehicle id → the last command answer {command, result, text, ok, time}.
export const answers = signal(new Map());
// busy: Map vehicle id → the command being sent to it now (its buttons wait).
export const busy = signal(new Map());

function setBusy(ids, what) {
  const next = new Map(busy.value);
  for (const id of ids) {
    if (what) next.set(id, what);
    else next.delete(id);
  }
  busy.value = next;
}

function inAir(v) {
  return v.armed && (v.landed_state === "in_air" || v.landed_state === "takeoff" || v.landed_state === "landing" || (v.landed_state !== "on_ground" && v.rel_alt_m > 1));
}

const titles = {
  arm: "Arm",
  disarm: "Disarm",
  takeoff: "Take off",
  mode: "Set mode",
  rtl: "Return to launch",
  land: "Land",
  hold: "Hold position",
  mission_start: "Start mission",
  mission_pause: "Pause mission",
  mission_continue: "Continue mission",
  goto: "Go to",
  speed: "Set speed",
  fence_enable: "Fence",
};

export function describe(body) {
  const t = titles[body.command] || body.command;
  switch (body.command) {
    case "takeoff":
      return `${t} to ${body.alt_m} m above home`;
    case "mode":
      return `${t} ${body.mode}`;
    case "goto":
      return `${t} ${body.lat.toFixed(5)}, ${body.lon.toFixed(5)} at ${body.alt_m} m above home`;
    case "speed":
      return `${t} ${body.speed_m_s} m/s`;
    case "fence_enable":
      return `${t} ${body.enable ? "on" : "off"}`;
    default:
      return body.force ? `${t} (FORCED)` : t;
  }
}

// destructiveReason says why a command needs the second step, or "".
function destructiveReason(body, targets, name) {
  if (body.force) return "Forced: the vehicle's safety checks are skipped.";
  if ((body.command === "goto" || body.command === "takeoff") && targets.length > 1) {
    // One point and one altitude for all: they would meet there.
    return `${targets.length} drones ${body.command === "goto" ? "to one point" : "climbing"} at the same altitude (${body.alt_m} m): they may collide. Send them one at a time, or at different altitudes, unless they are far apart.`;
  }
  if (body.command === "disarm") {
    const flying = targets.filter(inAir);
    if (flying.length) return `${flying.map(name).join(", ")} ${flying.length === 1 ? "is" : "are"} in the air: disarming stops the motors and the drone falls.`;
  }
  return "";
}

// requestCommand asks for confirmation of body on the vehicles ids (of target).
export function requestCommand(body, ids, target = localTarget) {
  const all = target.vehicles();
  const found = ids.filter((id) => all.has(id));
  const targets = found.map((id) => all.get(id));
  if (!targets.length) return;
  pending.value = { body, ids: found, targets, target, step: 1, reason: destructiveReason(body, targets, target.name) };
}

function record(id, body, result, text, ok) {
  const next = new Map(answers.value);
  next.set(id, { command: describe(body), result, text, ok, time: new Date() });
  answers.value = next;
}

// unreachable says what a failed request means for the operator: without
// an answer nobody knows whether the vehicle got the command.
function unreachable(err) {
  if (err instanceof ApiError && err.status === 0) return `${err.message}. The vehicle may or may not have got the command: watch its mode before sending it again.`;
  return err.message;
}

function answerText(r) {
  const texts = (r.status_texts || []).join(" · ");
  return [r.result, r.error, texts].filter(Boolean).join(" — ");
}

// send runs a confirmed command and reports every vehicle's answer.
export async function send(body, ids, target = localTarget) {
  const what = describe(body);
  setBusy(ids, what);
  try {
    if (ids.length === 1 || !target.fleetPath) await Promise.all(ids.map((id) => sendOne(body, id, what, target)));
    else await sendFleet(body, ids, what, target);
  } finally {
    setBusy(ids, null);
  }
}

async function sendOne(body, id, what, target) {
  const name = target.name(target.vehicles().get(id) || { id });
  try {
    const r = await api("POST", target.commandPath(id), body);
    record(id, body, r.result, answerText(r), true);
    notify("ok", `${name} · ${what}: ${answerText(r)}`);
  } catch (err) {
    const r = err instanceof ApiError && err.data ? err.data : { error: unreachable(err) };
    record(id, body, r.result || "error", answerText(r), false);
    notify("error", `${name} · ${what}: ${answerText(r)}`);
  }
}

async function sendFleet(body, ids, what, target) {
  const name = (id) => target.name(target.vehicles().get(id) || { id });
  try {
    const out = await api("POST", target.fleetPath, { ...body, vehicles: ids });
    out.results.forEach((r, i) => {
      const id = ids[i];
      const ok = !r.error && r.result === "accepted";
      record(id, body, r.result || "error", answerText(r), ok);
      notify(ok ? "ok" : "error", `${name(id)} · ${what}: ${answerText(r)}`);
    });
  } catch (err) {
    // The request as a whole failed (no vehicle was asked): say so on every line.
    for (const id of ids) record(id, body, "error", unreachable(err), false);
    notify("error", `${what} on ${ids.map(name).join(", ")}: ${unreachable(err)}`);
  }
}

// AnswerList: every vehicle's last answer, one line each, for a multi-selection.
export function AnswerList({ ids }) {
  const all = answers.value;
  const going = busy.value;
  const lines = ids.filter((id) => all.has(id) || going.has(id));
  if (!lines.length) return null;
  return html`<ul class="bw-answers" id="bw-multi-answers" aria-label="Answers of the vehicles" aria-live="polite">
    ${lines.map((id) => {
      const a = all.get(id);
      const v = vehicles.value.get(id) || { id };
      if (going.has(id)) return html`<li key=${id} data-id=${id} class="bw-answer bw-answer-busy"><b>${callsign(v)}</b> · ${going.get(id)}: sending…</li>`;
      return html`<li key=${id} data-id=${id} data-ok=${a.ok ? "1" : "0"} class=${`bw-answer ${a.ok ? "bw-answer-ok" : "bw-answer-error"}`}>
        <b>${callsign(v)}</b> · ${a.command}: ${a.text}</li>`;
    })}
  </ul>`;
}

// ConfirmDialog: the modal confirmation of the pending command.
export function ConfirmDialog() {
  const p = pending.value;
  const ok = useRef(null);
  // The confirm button takes the focus on each step (Enter confirms, Esc
  // cancels); before, the focus stayed on the button behind the dialog.
  // A layout effect: at once, not after the next paint, so an Enter typed
  // right after the dialog opened reaches it.
  useLayoutEffect(() => {
    if (p && ok.current) ok.current.focus();
  }, [p?.step, p?.body]);
  if (!p) return null;
  const cancel = () => (pending.value = null);
  const confirm = () => {
    if (p.reason && p.step === 1) {
      pending.value = { ...p, step: 2 };
      return;
    }
    pending.value = null;
    send(p.body, p.ids, p.target);
  };
  const second = p.reason && p.step === 2;
  return html`<div class="bw-modal-back" onClick=${(e) => e.target === e.currentTarget && cancel()}>
    <div class=${`bw-modal${p.reason ? " bw-modal-danger" : ""}`} role="dialog" aria-modal="true" aria-labelledby="bw-confirm-title" id="bw-confirm">
      <h2 id="bw-confirm-title">${describe(p.body)}?</h2>
      <p>On ${p.targets.length === 1 ? "this vehicle" : `these ${p.targets.length} vehicles`}:</p>
      <ul class="bw-confirm-targets">
        ${p.targets.map((v, i) => html`<li key=${p.ids[i]} data-id=${p.ids[i]}><b>${p.target.name(v)}</b> · ${v.autopilot} · ${v.mode}${v.armed ? " · armed" : ""}</li>`)}
      </ul>
      ${p.reason && html`<p class="bw-danger-text" role="alert">${p.reason}</p>`}
      ${second && html`<p class="bw-danger-text"><b>Second step:</b> confirm again to send it.</p>`}
      <div class="bw-modal-buttons">
        <button class="bw-btn" id="bw-confirm-cancel" onClick=${cancel}>Cancel</button>
        <button class=${`bw-btn ${p.reason ? "bw-btn-danger" : "bw-btn-primary"}`} id="bw-confirm-ok" ref=${ok} onClick=${confirm}>
          ${p.reason ? (second ? `Yes, ${describe(p.body).toLowerCase()} now` : "Continue…") : "Confirm"}
        </button>
      </div>
    </div>
  </div>`;
}

// commandAlt: the altitude (m above home) for take-off and go-to, shared by
// the panel, the multi-selection and the G shortcut.
export const commandAlt = signal(30);

// pickGoto asks the operator to click the map, then to confirm sending the
// vehicles ids (of target) there at commandAlt.
export async function pickGoto(ids, target = localTarget) {
  const targets = ids.map((id) => target.vehicles().get(id)).filter(Boolean);
  if (!targets.length) return;
  const alt = Number(commandAlt.value);
  const p = await pickPoint(`Click the map where ${targets.length === 1 ? target.name(targets[0]) : `the ${targets.length} drones`} should go (${alt} m above home).`);
  if (p) requestCommand({ command: "goto", lat: p.lat, lon: p.lng, alt_m: alt }, ids, target);
}

// CommandBar: the command buttons for a set of vehicles (of target).
export function CommandBar({ ids, target = localTarget }) {
  const alt = commandAlt.value;
  const setAlt = (a) => (commandAlt.value = a);
  const [speed, setSpeed] = useState(10);
  const [modeName, setModeName] = useState("");
  const [force, setForce] = useState(false);
  if (!can("command")) return null;
  const all = target.vehicles();
  const targets = ids.map((id) => all.get(id)).filter(Boolean);
  if (!targets.length) return null;
  const modes = commonModes(targets, target.modes);
  // While a command to any of them is on its way, the buttons wait for its
  // answer: a second click would send it twice.
  const running = ids.map((id) => busy.value.get(id)).find(Boolean);
  const ask = (body) => requestCommand(force && (body.command === "arm" || body.command === "disarm") ? { ...body, force: true } : body, ids, target);
  const goto = () => pickGoto(ids, target);
  const b = (cmd, label, key, extra = {}) =>
    html`<button class="bw-btn" data-command=${cmd} data-enable=${extra.enable == null ? undefined : String(extra.enable)} disabled=${!!running} title=${key ? `${label} (${key})` : label} onClick=${() => ask({ command: cmd, ...extra })}>${label}</button>`;
  return html`<div class="bw-commands" aria-label="Commands" aria-busy=${running ? "true" : "false"}>
    ${running && html`<div class="bw-hint bw-sending" role="status">Sending ${running}…</div>`}
    <div class="bw-command-row">
      ${b("arm", "Arm")} ${b("disarm", "Disarm")}
      <label class="bw-check" title="Skip the vehicle's safety checks (needs a second confirmation)"><input type="checkbox" checked=${force} onChange=${(e) => setForce(e.currentTarget.checked)} /> force</label>
    </div>
    <div class="bw-command-row">
      ${b("rtl", "RTL", "R")} ${b("land", "Land")} ${b("hold", "Hold", "H")}
    </div>
    <div class="bw-command-row">
      <span class="bw-command-label">Mission</span> ${b("mission_start", "Start")} ${b("mission_pause", "Pause")} ${b("mission_continue", "Continue")}
    </div>
    <div class="bw-command-row">
      <label>Alt <input class="bw-num" type="number" name="alt_m" min="1" max="1000" value=${alt} onInput=${(e) => setAlt(e.currentTarget.value)} /> m</label>
      <button class="bw-btn" data-command="takeoff" disabled=${!!running} onClick=${() => ask({ command: "takeoff", alt_m: Number(alt) })}>Take off</button>
      <button class="bw-btn" data-command="goto" disabled=${!!running} title="Go to a point picked on the map (G)" onClick=${goto}>Go to…</button>
    </div>
    <div class="bw-command-row">
      <select class="bw-mode-select" aria-label="Flight mode" value=${modeName} onChange=${(e) => setModeName(e.currentTarget.value)}>
        <option value="">Mode…</option>
        ${modes.map((m) => html`<option key=${m} value=${m}>${m}</option>`)}
      </select>
      <button class="bw-btn" data-command="mode" disabled=${!modeName || !!running} onClick=${() => ask({ command: "mode", mode: modeName })}>Set mode</button>
    </div>
    <div class="bw-command-row">
      <label>Speed <input class="bw-num" type="number" name="speed_m_s" min="0.5" max="60" step="0.5" value=${speed} onInput=${(e) => setSpeed(e.currentTarget.value)} /> m/s</label>
      <button class="bw-btn" data-command="speed" disabled=${!!running} onClick=${() => ask({ command: "speed", speed_m_s: Number(speed) })}>Set speed</button>
    </div>
    <div class="bw-command-row">
      <span class="bw-command-label">Fence</span> ${b("fence_enable", "On", "", { enable: true })} ${b("fence_enable", "Off", "", { enable: false })}
    </div>
  </div>`;
}
