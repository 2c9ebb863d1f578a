// Live events the server let go. /ws/live keeps at most 512 events per
// page between two writes; a page that reads too slowly (a busy tab, a
// flood of alerts) loses the oldest, and every events message carries the
// running count of them in "dropped" (docs/api.md). Nothing may be lost
// silently: the page says how many it missed and re-reads the alerts and
// detections since the last event it had from the server's store (which
// records every event, whoever reads the stream).
import { eventsMissed, notify } from "./state.js";
import { loadHistory } from "./history.js";
import { missedEvents } from "./alertgroups.js";

// The re-read waits this long after the last report of missed events, so
// that a flood that goes on is read once at its end, and the store (which
// commits within 100 ms) holds what was missed.
const rereadDelayMs = 1000;
// Margin before the last event received: events of one moment may come in
// any order across vehicles.
const marginMs = 2000;

let seen = 0; // this connection's dropped count so far
let newest = null; // the newest event time (ms, server clock) this connection delivered
let timer = null;

// resetMissed starts a new connection: the server counts from 0 again.
export function resetMissed() {
  seen = 0;
  newest = null;
}

// onEventsMessage notes one /ws/live events message before its events are
// applied.
export function onEventsMessage(msg) {
  const r = missedEvents(seen, msg.dropped);
  seen = r.seen;
  if (r.missed > 0) {
    // What was let go is older than this message's events and newer than
    // the last event before it; without one on this connection, read the
    // whole history again.
    const from = newest == null ? null : newest - marginMs;
    const prev = eventsMissed.value;
    const pending = prev && (prev.state === "waiting" || prev.state === "reading");
    const since = pending ? (prev.since == null || from == null ? null : Math.min(prev.since, from)) : from;
    eventsMissed.value = { count: (pending ? prev.count : 0) + r.missed, total: (prev?.total || 0) + r.missed, since, state: "waiting", at: prev?.at ?? null, error: null };
    clearTimeout(timer);
    timer = setTimeout(rereadMissed, rereadDelayMs);
  }
  for (const e of msg.events || []) {
    const t = Date.parse(e?.event?.time);
    if (Number.isFinite(t) && (newest == null || t > newest)) newest = t;
  }
}

// rereadMissed reads the alerts and detections since the gap from the
// server (also the operator's "Re-read now").
export async function rereadMissed() {
  clearTimeout(timer);
  timer = null;
  const m = eventsMissed.value;
  if (!m) return;
  eventsMissed.value = { ...m, state: "reading", error: null };
  try {
    await loadHistory(m.since, true);
    const now = eventsMissed.value;
    // More may have been missed while reading: that report's timer reads again.
    if (now.state === "reading") eventsMissed.value = { ...now, state: "done", at: Date.now() };
    notify("info", `${m.count} live event${m.count === 1 ? " was" : "s were"} missed (too many at once for the live stream); the alerts and detections were read again from the server.`);
  } catch (err) {
    eventsMissed.value = { ...eventsMissed.value, state: "failed", error: err.message };
    notify("error", `${m.count} live events were missed and reading them again failed: ${err.message}`);
  }
}

export function dismissMissed() {
  if (eventsMissed.value?.state === "done") eventsMissed.value = null;
}
