// The application shell: header (user, role, logout, connection), the map
// and a resizable, collapsible sidebar of tabs. Views register in `tabs`;
// a tab shows only when the user's permissions include its `perm`.
import { useEffect } from "preact/hooks";
import { signal, effect, computed } from "@preact/signals";
import { html } from "./html.js";
import { user, sessionChecked, connection, mode, can, vehicles } from "./state.js";
import { logout } from "./session.js";
import { LoginView } from "./views/login.js";
import { MapView } from "./map/mapview.js";
import { FleetView } from "./views/fleet.js";
import { AlertsView } from "./views/alerts.js";
import { DetectionsView } from "./views/detections.js";
import { ReplayView } from "./replay/replay.js";
import { PlanPanel } from "./plan/PlanPanel.js";
import { AuditView } from "./admin/audit.js";
import { AdminView } from "./admin/admin.js";
import { startLive, stopLive } from "./live.js";
import { clearVehicles } from "./fleet.js";
import { clearEvents } from "./events.js";
import { loadLayers } from "./map/layers.js";
import { droneLayer } from "./map/drones.js";
import { installShortcuts, helpShown } from "./shortcuts.js";
import { ShortcutHelp } from "./views/help.js";
import { ConfirmDialog } from "./views/commands.js";
import { isHQ } from "./hq/stream.js";
import { StationsView } from "./hq/stations.js";
import { HQEventsView } from "./hq/events.js";
import { HQSortiesView } from "./hq/sorties.js";

// tabs: the sidebar's views. `live` says the tab shows the live fleet (the
// replay tab switches the map to the replayed one); `hq` that it shows only
// on a headquarters (src/hq/); `local` that it is about this server's own
// vehicles, so a headquarters (whose fleet is its stations') shows it only
// once it hears a vehicle of its own (an HQ may also have --mavlink links).
export const tabs = [
  { id: "hq-stations", title: "Stations", perm: "watch", component: StationsView, live: true, hq: true },
  { id: "hq-events", title: "HQ alerts", perm: "watch", component: HQEventsView, live: true, hq: true },
  { id: "hq-sorties", title: "HQ sorties", perm: "replay", component: HQSortiesView, live: true, hq: true },
  { id: "fleet", title: "Fleet", perm: "watch", component: FleetView, live: true, local: true },
  { id: "alerts", title: "Alerts", perm: "watch", component: AlertsView, live: true, local: true },
  { id: "detections", title: "Detections", perm: "watch", component: DetectionsView, live: true, local: true },
  { id: "plan", title: "Plan", perm: "plan", component: PlanPanel, live: true, local: true },
  { id: "replay", title: "Replay", perm: "replay", component: ReplayView, live: false },
  { id: "audit", title: "Audit", perm: "audit", component: AuditView, live: true },
  { id: "admin", title: "Admin", perm: "admin", component: AdminView, live: true },
];

export const activeTab = signal(localStorage.getItem("bw-tab") || "fleet");
export const sidebarWidth = signal(parseInt(localStorage.getItem("bw-sidebar-width") || "400", 10));
export const sidebarCollapsed = signal(localStorage.getItem("bw-sidebar-collapsed") === "1");

// ownFleet: this server hears vehicles of its own (computed so that the
// sidebar re-renders when that changes, not on every vehicle update).
const ownFleet = computed(() => vehicles.value.size > 0);

export function visibleTabs() {
  const hq = isHQ.value;
  return tabs.filter((t) => can(t.perm) && (!t.hq || hq) && (!t.local || !hq || ownFleet.value));
}

export function showTab(id) {
  if (!visibleTabs().some((t) => t.id === id)) return;
  activeTab.value = id;
  sidebarCollapsed.value = false;
}

effect(() => localStorage.setItem("bw-tab", activeTab.value));
effect(() => localStorage.setItem("bw-sidebar-width", String(sidebarWidth.value)));
effect(() => localStorage.setItem("bw-sidebar-collapsed", sidebarCollapsed.value ? "1" : "0"));

// The stream follows the login and the tab: live unless the replay tab is
// open, nothing while logged out.
effect(() => {
  const u = user.value;
  const tab = tabs.find((t) => t.id === activeTab.value && can(t.perm)) || visibleTabs()[0];
  const want = !u ? "off" : tab && tab.live === false ? "replay" : "live";
  if (want === current) return;
  current = want;
  stopLive();
  clearVehicles();
  clearEvents();
  if (want === "live") {
    mode.value = "live";
    startLive();
  } else if (want === "replay") {
    mode.value = "replay";
    connection.value = "replay";
  } else {
    connection.value = "offline";
  }
});
let current = "off";

let layersLoaded = false;
effect(() => {
  if (!user.value || layersLoaded) return;
  layersLoaded = true;
  loadLayers(() => droneLayer.vehicles.size === 0).catch((err) => {
    layersLoaded = false;
    connection.value = "offline";
    console.warn(`layers: ${err.message}`);
  });
});

const connectionText = {
  connecting: "connecting…",
  live: "live",
  reconnecting: "reconnecting…",
  replay: "replay",
  offline: "offline",
};

function Header() {
  const u = user.value;
  return html`<header class="bw-header">
    <span class="bw-title">Borderwatch</span>
    <span id="bw-conn" class=${`bw-conn bw-conn-${connection.value}`} title="Connection to the server">${connectionText[connection.value] || connection.value}</span>
    <span class="bw-header-gap"></span>
    ${u &&
    html`<span class="bw-user" title="Logged in"><span class="bw-user-name">${u.name}</span> <span class="bw-role">${u.role}</span></span>
      <button class="bw-btn bw-btn-quiet" id="bw-help-button" title="Keyboard shortcuts (?)" onClick=${() => (helpShown.value = !helpShown.value)}>Keys</button>
      <button class="bw-btn bw-btn-quiet" id="bw-logout" onClick=${() => logout()}>Log out</button>
      <button class="bw-btn bw-btn-quiet" id="bw-sidebar-toggle" title="Show or hide the sidebar (\\)" onClick=${() => (sidebarCollapsed.value = !sidebarCollapsed.value)}>
        ${sidebarCollapsed.value ? "⟨ Panel" : "Panel ⟩"}
      </button>`}
  </header>`;
}

function Resizer() {
  const down = (e) => {
    e.preventDefault();
    const startX = e.clientX;
    const startW = sidebarWidth.value;
    const move = (ev) => {
      const w = startW + (startX - ev.clientX);
      sidebarWidth.value = Math.max(260, Math.min(window.innerWidth * 0.6, w));
    };
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  };
  return html`<div class="bw-resizer" title="Drag to resize the sidebar" onPointerDown=${down}></div>`;
}

function Sidebar() {
  const list = visibleTabs();
  const tab = list.find((t) => t.id === activeTab.value) || list[0];
  if (!tab) return html`<aside class="bw-side"><p class="bw-empty">This account may not see anything.</p></aside>`;
  const View = tab.component;
  return html`<aside class="bw-side" style=${{ width: `${sidebarWidth.value}px` }}>
    <nav class="bw-tabs" role="tablist">
      ${list.map(
        (t, i) => html`<button role="tab" aria-selected=${t.id === tab.id} data-tab=${t.id} title=${`${t.title} (${i + 1})`}
          class=${`bw-tab${t.id === tab.id ? " bw-tab-active" : ""}`} onClick=${() => (activeTab.value = t.id)}>${t.title}</button>`,
      )}
    </nav>
    <div class="bw-tab-body" data-view=${tab.id}><${View} /></div>
  </aside>`;
}

export function App() {
  useEffect(() => installShortcuts(), []);
  if (!sessionChecked.value) return html`<div class="bw-loading">Borderwatch…</div>`;
  if (!user.value) return html`<${Header} /><${LoginView} />`;
  return html`<${Header} />
    <main class="bw-main">
      <${MapView} />
      ${!sidebarCollapsed.value && html`<${Resizer} /><${Sidebar} />`}
    </main>
    <${ConfirmDialog} />
    <${ShortcutHelp} />`;
}
