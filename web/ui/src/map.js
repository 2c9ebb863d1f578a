// The map and the GIS layers the server holds (no tiles: it works offline).
import L from "leaflet";

export const map = L.map("map", { zoomControl: true }).setView([31.35, -110.95], 12);
L.control.scale({ imperial: false }).addTo(map);

const layerStyles = {
  border: { color: "#c62828", weight: 3, dashArray: "8 6", className: "bw-layer-border" },
  own_territory: { color: "#2e7d32", weight: 1, fillOpacity: 0.08, className: "bw-layer-own_territory" },
  no_fly: { color: "#6a1b9a", weight: 2, fillOpacity: 0.2, className: "bw-layer-no_fly" },
  patrol_sector: { color: "#1565c0", weight: 1, fillOpacity: 0.05, className: "bw-layer-patrol_sector" },
  unclassified: { color: "#555", weight: 1, fillOpacity: 0.05, className: "bw-layer-unclassified" },
};

export async function getJSON(url) {
  const res = await fetch(url, { credentials: "same-origin" });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return res.json();
}

// loadLayers draws every layer and adds it, and the extra overlays, to the
// layer control. It fits the view to the layers unless fit() says not to.
export async function loadLayers(overlays, shouldFit) {
  const layers = await getJSON("/api/v1/layers");
  const control = L.control.layers(null, overlays, { collapsed: true }).addTo(map);
  let bounds = null;
  // Own territory first so that border lines are drawn on top of it.
  layers.sort((a, b) => (a.kind === "border") - (b.kind === "border"));
  for (const info of layers) {
    const fc = await getJSON(`/api/v1/layers/${encodeURIComponent(info.id)}`);
    const style = layerStyles[info.kind] || layerStyles.unclassified;
    const layer = L.geoJSON(fc, { style: () => style, interactive: false }).addTo(map);
    control.addOverlay(layer, info.name);
    const b = layer.getBounds();
    if (b.isValid()) bounds = bounds ? bounds.extend(b) : b;
  }
  if (bounds && shouldFit()) map.fitBounds(bounds, { maxZoom: 13 });
}
