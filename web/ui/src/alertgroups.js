// Alert bursts folded into one row, and which alerts the list keeps. A
// server that restarts with a fleet in the air, or a radio network that
// comes back, brings one link_restored alert per vehicle within a second or
// two: 2000 rows that push the operator's real alerts out of sight. The
// alerts list shows such a burst as one row ("Link up — 40 vehicles") that
// opens to the individual rows.
//
// The rule, chosen so that no alert that needs an operator can hide in a
// folded row:
//   - only alerts of severity NOTICE (5) or lower (INFO, DEBUG) are
//     grouped: a warning, error or critical alert is always a row of its
//     own, whatever arrives around it (a lost link is CRITICAL: every drone
//     flying on its failsafe is its own row);
//   - a group holds alerts of one type and one severity, each at most
//     groupWindowMs after the one before it (a burst ends at the first gap
//     longer than that), from any vehicles; a lone alert stays a row;
//   - alerts of other types or severities that happen during a burst are
//     rows of their own, in time order around the group's row (which sits
//     where its newest alert is).
// Pure functions over plain objects (no DOM, no signals) so that node's own
// test runner checks them (src/alertgroups.test.js, `npm test`).

export const groupWindowMs = 5000;
// The least urgent severity that is never grouped (telemetry.SeverityWarning).
export const groupMinSeverity = 5;

// alertKey identifies one alert whether it came from the history or the
// stream: the server's id (store.AlertID), else its time, vehicle and text.
export function alertKey(a) {
  return a.id ? `id:${a.id}` : `${a.time}|${a.vehicle || a.sysid}|${a.type}|${a.text}`;
}

export function alertSeverity(a) {
  return Number.isInteger(a.severity) ? a.severity : 6;
}

export function groupable(a) {
  return alertSeverity(a) >= groupMinSeverity;
}

// What a group's row calls its alerts (telemetry/event.go's alert types).
const typeTitles = {
  link_restored: "Link up",
  link_lost: "Link lost",
  fence_breach: "Fence breach",
  low_battery: "Low battery",
  status_text: "Status text",
  mixed_plan: "Mixed plan on the vehicle",
  vehicle_rebooted: "Vehicle rebooted",
  upload_cancelled: "Upload cancelled",
};

export function alertTypeTitle(type) {
  if (!type) return "Alert";
  if (typeTitles[type]) return typeTitles[type];
  const s = String(type).replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function timeOf(a) {
  const t = Date.parse(a.time);
  return Number.isFinite(t) ? t : 0;
}

// groupAlerts turns a list of alerts, newest first, into the rows of the
// list, newest first: {alert} for a row of its own, or {group} with
// {key, type, severity, alerts (newest first), first, last (times in ms),
// vehicles (distinct), open (not acknowledged)}. A group's key is its
// oldest alert's, so it keeps its open or folded state while the burst
// grows.
export function groupAlerts(list, windowMs = groupWindowMs) {
  // Oldest first, so that a burst grows from its first alert.
  const asc = list.map((a, i) => ({ a, t: timeOf(a), i })).sort((x, y) => x.t - y.t || y.i - x.i);
  const current = new Map(); // type|severity → the burst that may still grow
  const rows = []; // {t (newest time), alert} or {t, members}
  for (const { a, t } of asc) {
    if (!groupable(a)) {
      rows.push({ t, alert: a });
      continue;
    }
    const k = `${a.type}|${alertSeverity(a)}`;
    const g = current.get(k);
    if (g && t - g.t <= windowMs) {
      g.members.push(a);
      g.t = t;
      continue;
    }
    const ng = { t, members: [a] };
    current.set(k, ng);
    rows.push(ng);
  }
  const out = [];
  for (const r of rows) {
    if (r.alert) out.push({ t: r.t, alert: r.alert });
    else if (r.members.length === 1) out.push({ t: r.t, alert: r.members[0] });
    else out.push({ t: r.t, group: summarise(r.members) });
  }
  // Newest first by each row's newest alert; the sort is stable, so rows of
  // one time keep the order above.
  out.sort((x, y) => y.t - x.t);
  return out.map(({ alert, group }) => (alert ? { alert } : { group }));
}

function summarise(asc) {
  const vehicles = new Set();
  let open = 0;
  for (const a of asc) {
    vehicles.add(a.vehicle ?? a.sysid);
    if (!a.ack) open++;
  }
  const first = asc[0];
  return {
    key: `g:${alertKey(first)}`,
    type: first.type,
    severity: alertSeverity(first),
    alerts: asc.slice().reverse(),
    first: timeOf(first),
    last: timeOf(asc[asc.length - 1]),
    vehicles: vehicles.size,
    open,
  };
}

// groupTitle is a group row's words: "Link up — 40 vehicles", or
// "Status text — 12 alerts from 3 vehicles" when some vehicle raised more
// than one.
export function groupTitle(g) {
  const n = g.alerts.length;
  const who = `${g.vehicles} vehicle${g.vehicles === 1 ? "" : "s"}`;
  return `${alertTypeTitle(g.type)} — ${n === g.vehicles ? who : `${n} alerts from ${who}`}`;
}

// keepAlerts trims a list (newest first) to at most max alerts. What goes
// first is what matters least: acknowledged alerts and alerts of severity
// NOTICE or lower, oldest first; open warnings and worse are kept over
// them, so a flood of link-ups never pushes an open critical alert out of
// the list.
export function keepAlerts(list, max) {
  if (list.length <= max) return list;
  const keep = new Set();
  for (const a of list) {
    if (keep.size >= max) break;
    if (!a.ack && !groupable(a)) keep.add(a);
  }
  for (const a of list) {
    if (keep.size >= max) break;
    keep.add(a);
  }
  return list.filter((a) => keep.has(a));
}

// missedEvents follows the "dropped" count of one /ws/live connection's
// events messages (a running total the server keeps per connection: events
// it let go because the page read too slowly). It answers how many were
// newly missed by this message, and the count to remember.
export function missedEvents(seen, dropped) {
  if (!Number.isFinite(dropped) || dropped <= seen) return { missed: 0, seen: Math.max(seen, Number.isFinite(dropped) ? dropped : 0) };
  return { missed: dropped - seen, seen: dropped };
}
