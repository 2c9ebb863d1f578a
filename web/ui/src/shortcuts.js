// Keyboard shortcuts for the frequent actions (docs/ui.md lists them). They
// never fire while the operator types in a field, and commands still go
// through their confirmation.
import { selected, focused, clearSelection, select, vehicles, can } from "./state.js";
import { activeTab, visibleTabs, sidebarCollapsed } from "./app.js";
import { pending, requestCommand, pickGoto } from "./views/commands.js";
import { cancelPick, pointRequest } from "./map/pick.js";
import { toggleTrails } from "./map/mapview.js";
import { shownVehicles } from "./views/fleet.js";
import { map, centreOn } from "./map/map.js";
import { signal } from "@preact/signals";

export const shortcuts = [
  { keys: "1 … 9", what: "open the sidebar tab of that number" },
  { keys: "\\", what: "show or hide the sidebar" },
  { keys: "J / K", what: "select the next / previous vehicle of the fleet list" },
  { keys: "F", what: "centre the map on the selected vehicle" },
  { keys: "R", what: "RTL the selected vehicles (asks for confirmation)" },
  { keys: "H", what: "hold the selected vehicles (asks for confirmation)" },
  { keys: "G", what: "go to: click the map where the selected vehicles should go (asks for confirmation)" },
  { keys: "L", what: "open or close the layer list and legend" },
  { keys: "T", what: "show or hide the trails" },
  { keys: "Esc", what: "cancel a dialog or a map pick, else clear the selection" },
  { keys: "?", what: "show or hide this list" },
];

// helpShown: the list of shortcuts is open (the ? key, or the header's button).
export const helpShown = signal(false);

function typing(e) {
  const t = e.target;
  return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
}

function step(delta) {
  const list = shownVehicles();
  if (!list.length) return;
  const i = list.findIndex((v) => v.id === focused.value);
  const next = list[(i + delta + list.length) % list.length];
  select([next.id]);
  if (next.has_position) centreOn([next.lat, next.lon]);
}

function onKey(e) {
  if (e.key === "Escape") {
    if (helpShown.value) helpShown.value = false;
    else if (pending.value) pending.value = null;
    else if (pointRequest.value) cancelPick();
    else if (!typing(e)) clearSelection();
    return;
  }
  if (typing(e) || e.ctrlKey || e.metaKey || e.altKey || pending.value) return;
  // Only an account that may command gets the command shortcuts (a
  // supervisor's R would otherwise open a confirmation the server refuses).
  const ids = can("command") ? [...selected.value].filter((id) => vehicles.value.has(id)) : [];
  const k = e.key.toLowerCase();
  if (e.key === "?") helpShown.value = !helpShown.value;
  else if (/^[1-9]$/.test(e.key)) {
    const tab = visibleTabs()[parseInt(e.key, 10) - 1];
    if (tab) {
      activeTab.value = tab.id;
      sidebarCollapsed.value = false;
    }
  } else if (e.key === "\\") sidebarCollapsed.value = !sidebarCollapsed.value;
  else if (k === "j") step(1);
  else if (k === "k") step(-1);
  else if (k === "t") toggleTrails();
  else if (k === "f") {
    const v = vehicles.value.get(focused.value);
    if (v?.has_position) centreOn([v.lat, v.lon], Math.max(map.getZoom(), 15));
  } else if (k === "r" && ids.length) requestCommand({ command: "rtl" }, ids);
  else if (k === "h" && ids.length) requestCommand({ command: "hold" }, ids);
  else if (k === "g" && ids.length) pickGoto(ids);
  else if (k === "l") {
    const list = document.querySelector(".bw-layerlist");
    if (list) list.open = !list.open;
  }
  else return;
  e.preventDefault();
}

export function installShortcuts() {
  document.addEventListener("keydown", onKey);
  return () => document.removeEventListener("keydown", onKey);
}
