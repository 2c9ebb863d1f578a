// Unit checks of the alert list's grouping and trimming (node's own test
// runner: `npm test`, no package to install).
import { test } from "node:test";
import assert from "node:assert/strict";
import { groupAlerts, groupTitle, keepAlerts, missedEvents, groupWindowMs } from "./alertgroups.js";

const t0 = Date.parse("2026-12-06T18:00:00Z");
const at = (ms) => new Date(t0 + ms).toISOString();
// newestFirst sorts as the alert list holds them.
const newestFirst = (list) => list.slice().sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
const linkUp = (v, ms) => ({ id: `a${v}-${ms}`, time: at(ms), vehicle: v, sysid: v, type: "link_restored", severity: 5, text: "link up on udp://0.0.0.0:14550" });

test("groupAlerts folds a burst of link-ups into one row with the right count and span", () => {
  const list = newestFirst(Array.from({ length: 50 }, (_, i) => linkUp(i + 1, i * 30)));
  const rows = groupAlerts(list);
  assert.equal(rows.length, 1);
  const g = rows[0].group;
  assert.equal(g.alerts.length, 50);
  assert.equal(g.vehicles, 50);
  assert.equal(g.open, 50);
  assert.equal(g.first, t0);
  assert.equal(g.last, t0 + 49 * 30);
  assert.equal(g.alerts[0].vehicle, 50, "the group's rows are newest first");
  assert.equal(groupTitle(g), "Link up — 50 vehicles");
});

test("groupAlerts keeps a lone alert a row and ends a burst at a gap longer than the window", () => {
  const list = newestFirst([linkUp(1, 0), linkUp(2, 100), linkUp(3, 100 + groupWindowMs + 1), linkUp(4, 3 * groupWindowMs)]);
  const rows = groupAlerts(list);
  assert.deepEqual(rows.map((r) => (r.group ? `g${r.group.alerts.length}` : `a${r.alert.vehicle}`)), ["a4", "a3", "g2"]);
});

test("groupAlerts never groups warnings or worse, and they stay in time order around a group", () => {
  const breach = (v, ms, sev) => ({ id: `b${v}`, time: at(ms), vehicle: v, type: "fence_breach", severity: sev, text: "fence breached" });
  const list = newestFirst([linkUp(1, 0), linkUp(2, 200), breach(7, 300, 2), breach(8, 350, 2), breach(9, 360, 4), linkUp(3, 400), breach(5, 9000, 4)]);
  const rows = groupAlerts(list);
  // The three link-ups are one group at its newest (400 ms); every warning
  // and critical alert is its own row.
  assert.deepEqual(rows.map((r) => (r.group ? `g${r.group.alerts.length}` : `a${r.alert.vehicle}`)), ["a5", "g3", "a9", "a8", "a7"]);
});

test("groupAlerts separates types and severities, and counts alerts and vehicles apart", () => {
  const st = (v, ms, sev, text) => ({ id: `s${v}-${ms}`, time: at(ms), vehicle: v, type: "status_text", severity: sev, text });
  const list = newestFirst([st(1, 0, 6, "a"), st(1, 100, 6, "b"), st(2, 200, 6, "c"), st(3, 300, 5, "d"), linkUp(4, 50), linkUp(5, 60)]);
  const rows = groupAlerts(list);
  const groups = rows.filter((r) => r.group).map((r) => groupTitle(r.group)).sort();
  assert.deepEqual(groups, ["Link up — 2 vehicles", "Status text — 3 alerts from 2 vehicles"]);
  assert.equal(rows.filter((r) => r.alert).length, 1, "the lone NOTICE status text is a row");
});

test("groupAlerts counts the open alerts of a group and keeps its key while it grows", () => {
  const list = [linkUp(1, 0), linkUp(2, 10), { ...linkUp(3, 20), ack: { user: "alice" } }];
  const g1 = groupAlerts(newestFirst(list))[0].group;
  assert.equal(g1.open, 2);
  const g2 = groupAlerts(newestFirst([...list, linkUp(4, 30)]))[0].group;
  assert.equal(g2.key, g1.key);
  assert.equal(g2.alerts.length, 4);
});

test("keepAlerts lets a flood of link-ups go before an open critical alert", () => {
  const critical = { id: "c", time: at(0), vehicle: 9, type: "fence_breach", severity: 2, text: "x" };
  const ackedCritical = { id: "c2", time: at(1), vehicle: 9, type: "fence_breach", severity: 2, text: "y", ack: { user: "bob" } };
  const flood = Array.from({ length: 100 }, (_, i) => linkUp(i + 1, 1000 + i));
  const kept = keepAlerts(newestFirst([critical, ackedCritical, ...flood]), 50);
  assert.equal(kept.length, 50);
  assert.ok(kept.includes(critical), "the open critical alert stays");
  assert.ok(!kept.includes(ackedCritical), "an acknowledged one goes like the notices");
  assert.equal(kept[0].vehicle, 100, "the newest link-ups stay, newest first");
  assert.deepEqual(keepAlerts([critical], 5), [critical]);
});

test("missedEvents reports what a connection's running dropped count adds", () => {
  let seen = 0;
  const steps = [0, 0, 120, 120, 500, undefined, 501].map((d) => {
    const r = missedEvents(seen, d);
    seen = r.seen;
    return r.missed;
  });
  assert.deepEqual(steps, [0, 0, 120, 0, 380, 0, 1]);
});
