// The fleet: one arrow marker per vehicle, rotated to its heading, and the
// fleet table. Live and replay feed it the same vehicle objects.
import L from "leaflet";
import { map } from "./map.js";

const markers = new Map();
const fleet = new Map();
let centred = false;

export function haveVehicles() {
  return centred;
}

function droneIcon(v) {
  const html =
    `<svg width="28" height="28" viewBox="-14 -14 28 28" style="transform: rotate(${v.heading_deg}deg)">` +
    `<path d="M0,-12 L8,10 L0,5 L-8,10 Z" fill="#0d47a1" stroke="#fff" stroke-width="1.5"/></svg>` +
    `<span class="bw-drone-label">${v.id}</span>`;
  return L.divIcon({
    html,
    className: `bw-drone${v.link_ok ? "" : " bw-drone-lost"}`,
    iconSize: [28, 28],
    iconAnchor: [14, 14],
  });
}

function updateMarker(v) {
  if (!v.has_position) return;
  let m = markers.get(v.sysid);
  if (!m) {
    m = L.marker([v.lat, v.lon], { icon: droneIcon(v), title: `Vehicle ${v.sysid}`, keyboard: false }).addTo(map);
    m.getElement().dataset.sysid = v.sysid;
    markers.set(v.sysid, m);
    if (!centred) {
      centred = true;
      map.setView([v.lat, v.lon], Math.max(map.getZoom(), 13));
    }
    return;
  }
  m.setLatLng([v.lat, v.lon]);
  const el = m.getElement();
  el.querySelector("svg").style.transform = `rotate(${v.heading_deg}deg)`;
  el.classList.toggle("bw-drone-lost", !v.link_ok);
}

function renderTable() {
  const body = document.getElementById("bw-fleet-body");
  const rows = [...fleet.values()]
    .sort((a, b) => a.sysid - b.sysid)
    .map((v) => {
      const tr = document.createElement("tr");
      tr.dataset.sysid = v.sysid;
      const cells = [
        v.sysid,
        `${v.mode}${v.armed ? " ⚡" : ""}`,
        v.rel_alt_m.toFixed(0),
        v.groundspeed_m_s.toFixed(1),
        v.battery_pct < 0 ? "–" : `${v.battery_pct}%`,
        v.link_ok ? "ok" : "LOST",
      ];
      for (const c of cells) {
        const td = document.createElement("td");
        td.textContent = c;
        tr.appendChild(td);
      }
      if (!v.link_ok) tr.lastChild.className = "bw-lost";
      return tr;
    });
  if (rows.length) body.replaceChildren(...rows);
  else body.innerHTML = '<tr class="bw-empty"><td colspan="6">No vehicle heard yet.</td></tr>';
}

let renderQueued = false;
export function onVehicles(list) {
  for (const v of list) {
    fleet.set(v.sysid, v);
    updateMarker(v);
  }
  if (!renderQueued) {
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      renderTable();
    });
  }
}

// clearFleet forgets every vehicle (switching between live and replay).
export function clearFleet() {
  for (const m of markers.values()) m.remove();
  markers.clear();
  fleet.clear();
  renderTable();
}
