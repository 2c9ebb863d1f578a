// Where on the map a validation problem belongs. The server's problems
// (missions.Problem: severity, list 0 mission / 1 fence / 2 rally, a 1-based
// index, a message) name an item; a problem about a leg ("the leg from … to
// mission item 4 …") belongs to the segment that ends at that item. An
// answer may also say it outright with `segment: {from, to}` (1-based
// mission items, 0 for home).
import { hasPosition } from "./model.js";

export const LIST = { mission: 0, fence: 1, rally: 2 };

// target returns {kind, index, from?, to?} for a problem, kind being
// "item", "segment", "polygon", "circle", "rally", "home" or "plan" (the list or
// the plan as a whole); indexes are 0-based into the plan's arrays, and a
// segment's from is -1 for home.
export function target(plan, pr) {
  const list = typeof pr.list === "string" ? LIST[pr.list] ?? 0 : pr.list ?? 0;
  const idx = (pr.index ?? 0) - 1;
  if (list === LIST.fence) {
    if (idx < 0) return { kind: "plan" };
    if (/^fence circle/.test(pr.message ?? "")) return { kind: "circle", index: idx };
    return { kind: "polygon", index: idx };
  }
  if (list === LIST.rally) return idx < 0 ? { kind: "plan" } : { kind: "rally", index: idx };
  if (pr.segment && Number.isInteger(pr.segment.to)) {
    return { kind: "segment", from: pr.segment.from - 1, to: pr.segment.to - 1 };
  }
  // The server names home as mission index 0 ("home (…) is across the border").
  if (idx < 0 && /^home\b/.test(pr.message ?? "")) return { kind: "home" };
  if (idx < 0 || idx >= plan.mission.length) return { kind: "plan" };
  if (/\bleg from\b/.test(pr.message ?? "")) {
    return { kind: "segment", from: previousStop(plan, idx), to: idx };
  }
  return { kind: "item", index: idx };
}

// previousStop is the positional item before index, or -1 for home (the
// server's legs start at home when the plan has one, else at the first item).
function previousStop(plan, index) {
  for (let i = index - 1; i >= 0; i--) if (hasPosition(plan.mission[i])) return i;
  return -1;
}

// byTarget groups problems by a key of their target so that the map draws
// one highlight per item or segment with all its messages.
export function byTarget(plan, problems) {
  const out = new Map();
  for (const pr of problems ?? []) {
    const t = target(plan, pr);
    const k = targetKey(t);
    if (!out.has(k)) out.set(k, { target: t, problems: [] });
    out.get(k).problems.push(pr);
  }
  return out;
}

export function targetKey(t) {
  switch (t.kind) {
    case "segment":
      return `segment:${t.from}:${t.to}`;
    case "plan":
      return "plan";
    case "home":
      return "home";
    default:
      return `${t.kind}:${t.index}`;
  }
}

export function worst(problems) {
  return problems.some((p) => p.severity === "error") ? "error" : "warning";
}

// overlaps says whether two boxes ({left, top, right, bottom}, page pixels)
// share any area, with gap pixels of room kept between them.
export function overlaps(a, b, gap = 0) {
  return a.left < b.right + gap && b.left < a.right + gap && a.top < b.bottom + gap && b.top < a.bottom + gap;
}

// collapseLabels keeps the map's problem labels from covering each other:
// items close together on screen (neighbouring waypoints and their legs,
// worst at small screens or zoomed out) each had their own label, side by
// side over the legs. Where two labels overlap, the later one is hidden and
// the earlier one counts its problems as "N more nearby" (a count, not the
// messages, so that a cluster of items has one small label rather than one
// tall one over the map); the grown label is measured again, until no two
// overlap. Nothing is lost: every problem is listed in a shown label or
// counted in one, and a hidden label's item still shows its own on hover.
//   labels: [{problems}] in drawing order
//   measure(label) → its box on the page, or null when it is not shown
//   show(label, shown, more, members): shown false hides the label; more is
//     the count of problems folded into it, members the labels it stands
//     for (itself first), so that it can be placed clear of their items
// It returns how many labels stay shown. At most labels.length merges.
export function collapseLabels(labels, measure, show, gap = 2) {
  const live = labels.map((l) => ({ label: l, shown: true, more: 0, members: [l] }));
  for (const e of live) show(e.label, true, 0, e.members);
  for (let round = 0; round < labels.length; round++) {
    const boxes = live.map((e) => (e.shown ? measure(e.label) : null));
    let pair = null;
    for (let i = 0; i < live.length && !pair; i++) {
      if (!boxes[i]) continue;
      for (let j = i + 1; j < live.length; j++) {
        if (boxes[j] && overlaps(boxes[i], boxes[j], gap)) {
          pair = [i, j];
          break;
        }
      }
    }
    if (!pair) break;
    const [keep, fold] = pair.map((k) => live[k]);
    keep.more += fold.label.problems.length + fold.more;
    keep.members = keep.members.concat(fold.members);
    fold.shown = false;
    fold.more = 0;
    show(fold.label, false, 0, [fold.label]);
    show(keep.label, true, keep.more, keep.members);
  }
  return live.filter((e) => e.shown).length;
}
