// The GIS layers the server holds, drawn as the basemap (no tiles: offline).
// Their names come from whoever uploaded them, so the layer list is a Preact
// view (text nodes), never Leaflet's layer control, which inserts names as HTML.
import L from "leaflet";
import { map } from "./map.js";
import { api } from "../api.js";
import { layers } from "../state.js";

const layerStyles = {
  border: { color: "#c62828", weight: 3, dashArray: "8 6", className: "bw-layer-border" },
  own_territory: { color: "#2e7d32", weight: 1, fillOpacity: 0.08, className: "bw-layer-own_territory" },
  no_fly: { color: "#6a1b9a", weight: 2, fillOpacity: 0.2, className: "bw-layer-no_fly" },
  patrol_sector: { color: "#1565c0", weight: 1, fillOpacity: 0.05, className: "bw-layer-patrol_sector" },
  unclassified: { color: "#555", weight: 1, fillOpacity: 0.05, className: "bw-layer-unclassified" },
};

const drawn = new Map(); // layer id → Leaflet layer

// loadLayers draws every layer the server holds and fits the view to them
// when fit() says so (not once drones have been seen). It answers the bounds.
export async function loadLayers(fit = () => true) {
  const list = await api("GET", "/api/v1/layers");
  // Own territory first so that border lines are drawn on top of it.
  list.sort((a, b) => (a.kind === "border") - (b.kind === "border"));
  for (const l of drawn.values()) l.remove();
  drawn.clear();
  let bounds = null;
  const infos = [];
  for (const info of list) {
    const fc = await api("GET", `/api/v1/layers/${encodeURIComponent(info.id)}`);
    const style = layerStyles[info.kind] || layerStyles.unclassified;
    const layer = L.geoJSON(fc, { style: () => style, interactive: false }).addTo(map);
    drawn.set(info.id, layer);
    infos.push({ ...info, visible: true });
    const b = layer.getBounds();
    if (b.isValid()) bounds = bounds ? bounds.extend(b) : b;
  }
  layers.value = infos;
  if (bounds && fit()) map.fitBounds(bounds, { maxZoom: 13 });
  return bounds;
}

// setLayerVisible shows or hides one GIS layer.
export function setLayerVisible(id, visible) {
  const l = drawn.get(id);
  if (!l) return;
  if (visible) l.addTo(map);
  else l.remove();
  layers.value = layers.value.map((x) => (x.id === id ? { ...x, visible } : x));
}

// layerGeoJSON answers the drawn GeoJSON layer of an id (the plan editor snaps to borders).
export function layerGeoJSON(id) {
  return drawn.get(id) || null;
}
