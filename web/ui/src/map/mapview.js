// The map view: puts the one Leaflet map into the page and lays the
// overlays on it (layer list and legend, the vehicle panel, notices).
// Clicks on the map select the drone drawn there, or answer a pending
// point request (go-to, send a drone).
import { useEffect, useRef } from "preact/hooks";
import { signal } from "@preact/signals";
import { html } from "../html.js";
import { map, mapElement } from "./map.js";
import "./basemap.js"; // the offline basemap under everything (src/map/basemap.js)
import { droneLayer, droneStates } from "./drones.js";
import { setLayerVisible } from "./layers.js";
import { detectionLayer } from "./detections.js";
import { remoteIDLayer } from "./remoteid.js";
import { takLayer } from "./tak.js";
import { layers, select, clearSelection, focused } from "../state.js";
import { pointRequest, cancelPick } from "./pick.js";
import { VehiclePanel } from "../views/vehicle.js";
import { Notices } from "../views/notices.js";

map.on("click", (e) => {
  const r = pointRequest.value;
  if (r) {
    pointRequest.value = null;
    r.resolve(e.latlng);
    return;
  }
  const id = droneLayer.hit(e.containerPoint);
  const additive = e.originalEvent && (e.originalEvent.shiftKey || e.originalEvent.ctrlKey || e.originalEvent.metaKey);
  if (id != null) select([id], additive);
  else if (!additive) clearSelection();
});

// overlayToggles are the map's own layers in the layer list.
const overlays = signal({ trails: true, homes: true, labels: true, detections: true, remoteid: true, tak: true });
function setOverlay(name, on) {
  overlays.value = { ...overlays.value, [name]: on };
  if (name === "trails") droneLayer.showTrails = on;
  if (name === "homes") droneLayer.showHomes = on;
  if (name === "labels") droneLayer.showLabels = on;
  if (name === "detections") {
    if (on) detectionLayer.addTo(map);
    else detectionLayer.remove();
  }
  if (name === "remoteid") {
    if (on) remoteIDLayer.addTo(map);
    else remoteIDLayer.remove();
  }
  if (name === "tak") {
    if (on) takLayer.addTo(map);
    else takLayer.remove();
  }
  droneLayer.redraw();
}
export function toggleTrails() {
  setOverlay("trails", !overlays.value.trails);
}

const overlayNames = { trails: "Trails (last 5 min)", homes: "Home positions", labels: "Callsigns", detections: "Detections", remoteid: "Remote ID drones", tak: "TAK markers" };

function LayerList() {
  const open = useRef(null);
  return html`<details class="bw-layerlist bw-overlay-box" ref=${open}>
    <summary title="Layers and legend (L)">Layers</summary>
    <div class="bw-layerlist-body">
      <ul class="bw-layer-items">
        ${layers.value.map(
          (l) => html`<li key=${l.id}><label data-layer=${l.id}>
            <input type="checkbox" checked=${l.visible} onChange=${(e) => setLayerVisible(l.id, e.currentTarget.checked)} />
            <span class="bw-layer-name">${l.name}</span> <span class="bw-layer-kind">${l.kind}</span></label></li>`,
        )}
        ${Object.entries(overlayNames).map(
          ([k, title]) => html`<li key=${k}><label>
            <input type="checkbox" data-overlay=${k} checked=${overlays.value[k]} onChange=${(e) => setOverlay(k, e.currentTarget.checked)} />
            ${title}</label></li>`,
        )}
      </ul>
      <div class="bw-legend" aria-label="Drone states">
        ${droneStates.map((s) => html`<div class="bw-legend-row" key=${s.id}><span class="bw-legend-swatch" style=${{ color: s.color }}></span>${s.label}</div>`)}
        <div class="bw-legend-row"><span class="bw-legend-home"></span>Home</div>
      </div>
    </div>
  </details>`;
}

function PickPrompt() {
  const r = pointRequest.value;
  if (!r) return null;
  return html`<div class="bw-pick bw-overlay-box" role="status">${r.prompt} <button class="bw-btn" onClick=${cancelPick}>Cancel (Esc)</button></div>`;
}

export function MapView() {
  const host = useRef(null);
  useEffect(() => {
    host.current.appendChild(mapElement);
    map.invalidateSize();
    const ro = new ResizeObserver(() => map.invalidateSize());
    ro.observe(host.current);
    return () => {
      ro.disconnect();
      mapElement.remove();
    };
  }, []);
  return html`<div class=${`bw-map-host${pointRequest.value ? " bw-picking" : ""}`}>
    <div class="bw-map-slot" ref=${host}></div>
    <div class="bw-map-overlays">
      <${LayerList} />
      <${PickPrompt} />
      <${Notices} />
      ${focused.value != null && html`<${VehiclePanel} id=${focused.value} />`}
    </div>
  </div>`;
}
