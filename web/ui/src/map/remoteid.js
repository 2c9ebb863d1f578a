// Remote ID drones on the map: each broadcasting drone (by its track key,
// the UAS id once known) as a triangle with its id, its path as a line, and
// its operator's position joined to it by a thin line. Everything these
// drones broadcast is outside text: it reaches the page through textContent.
import L from "leaflet";
import { signal, effect } from "@preact/signals";
import { map } from "./map.js";

const maxTrackPoints = 300;
const staleMs = 2 * 60 * 1000;

// remoteIDTracks: Map key → {last: RemoteID event, history: [[lat, lon, time]…]}.
export const remoteIDTracks = signal(new Map());
export const remoteIDLayer = L.layerGroup().addTo(map);
const shown = new Map(); // key → {marker, line, opLine, opMarker, el, tip}
let now = () => Date.now();
// setRemoteIDClock ages tracks by the replay clock in replay.
export function setRemoteIDClock(fn) {
  now = fn;
}

// addRemoteIDs merges remote_id events into the tracks.
export function addRemoteIDs(list) {
  if (!list.length) return;
  const next = new Map(remoteIDTracks.value);
  for (const r of list) {
    const key = r.key || r.uas_id;
    if (!key) continue;
    const prev = next.get(key);
    const history = prev ? prev.history.slice(-(maxTrackPoints - 1)) : [];
    if (r.has_position) {
      const last = history[history.length - 1];
      if (!last || last[0] !== r.lat || last[1] !== r.lon) history.push([r.lat, r.lon, r.time]);
    }
    const newest = !prev || Date.parse(r.time) >= Date.parse(prev.last.time) ? r : prev.last;
    next.set(key, { key, last: newest, history });
  }
  remoteIDTracks.value = next;
}

export function clearRemoteIDs() {
  remoteIDTracks.value = new Map();
}

function label(r) {
  return r.uas_id || r.key;
}

function tooltip(r) {
  const parts = [`Remote ID ${label(r)}`, r.ua_type, r.status];
  if (r.has_alt) parts.push(`${Math.round(r.alt_m)} m`);
  parts.push(`${r.groundspeed_m_s.toFixed(1)} m/s`);
  if (r.operator_id) parts.push(`operator ${r.operator_id}`);
  if (r.self_id) parts.push(r.self_id);
  parts.push(`heard by ${r.vehicle || r.sysid}`);
  return parts.join(" · ");
}

function icon(key) {
  const el = document.createElement("div");
  el.className = "bw-remoteid";
  el.dataset.key = key;
  const arrow = document.createElement("div");
  arrow.className = "bw-remoteid-arrow";
  const text = document.createElement("span");
  text.className = "bw-remoteid-label";
  el.append(arrow, text);
  return { el, arrow, text, icon: L.divIcon({ html: el, className: "bw-remoteid-icon", iconSize: [20, 20], iconAnchor: [10, 10] }) };
}

function sync(all) {
  for (const [key, s] of shown) {
    if (!all.has(key) || !all.get(key).history.length) {
      for (const l of [s.marker, s.line, s.opLine, s.opMarker]) l.remove();
      shown.delete(key);
    }
  }
  for (const [key, t] of all) {
    if (!t.history.length) continue; // no position yet: nothing to draw
    const r = t.last;
    const path = t.history.map((p) => [p[0], p[1]]);
    const at = path[path.length - 1];
    let s = shown.get(key);
    if (!s) {
      const ic = icon(key);
      const tip = document.createElement("span");
      s = {
        ...ic,
        tip,
        marker: L.marker(at, { icon: ic.icon, pane: "bw-detections", keyboard: false }).bindTooltip(tip),
        line: L.polyline(path, { pane: "bw-detections", color: "#c62828", weight: 2, opacity: 0.8, interactive: false, className: "bw-remoteid-track" }),
        opLine: L.polyline([], { pane: "bw-detections", color: "#c62828", weight: 1, dashArray: "2 6", interactive: false }),
        opMarker: L.circleMarker([0, 0], { pane: "bw-detections", radius: 5, color: "#c62828", fillColor: "#fff", fillOpacity: 1, weight: 2, className: "bw-remoteid-operator" }),
      };
      s.opTip = document.createElement("span");
      s.opMarker.bindTooltip(s.opTip);
      s.line.addTo(remoteIDLayer);
      s.marker.addTo(remoteIDLayer);
      shown.set(key, s);
    }
    s.marker.setLatLng(at);
    s.line.setLatLngs(path);
    s.text.textContent = label(r);
    s.tip.textContent = tooltip(r);
    s.arrow.style.transform = r.course_deg >= 0 ? `rotate(${r.course_deg}deg)` : "";
    s.el.dataset.course = r.course_deg >= 0 ? "known" : "unknown";
    if (r.has_operator) {
      s.opMarker.setLatLng([r.operator_lat, r.operator_lon]);
      s.opLine.setLatLngs([[r.operator_lat, r.operator_lon], at]);
      s.opTip.textContent = `operator of ${label(r)}${r.operator_id ? ` (${r.operator_id})` : ""}`;
      s.opMarker.addTo(remoteIDLayer);
      s.opLine.addTo(remoteIDLayer);
    } else {
      s.opMarker.remove();
      s.opLine.remove();
    }
    s.seenAt = Date.parse(r.time);
  }
  fade();
}

function fade() {
  const t = now();
  for (const s of shown.values()) s.el.classList.toggle("bw-remoteid-stale", t - s.seenAt > staleMs);
}

effect(() => sync(remoteIDTracks.value));
setInterval(fade, 5000);
