// The one Leaflet map of the page. It is made at import time on a detached
// element; the map view (src/map/mapview.js) puts that element into the
// page. No tiles: the basemap is the GIS layers the server holds (offline).
import L from "leaflet";

export const mapElement = document.createElement("div");
mapElement.id = "map";
mapElement.className = "bw-map";
// Leaflet makes a container that is not positioned "relative" when it is
// created (a detached element has no computed position): fill the host instead.
mapElement.style.position = "absolute";

export const map = L.map(mapElement, { zoomControl: true }).setView([31.35, -110.95], 12);
L.control.scale({ imperial: false }).addTo(map);

// Panes: detections above drones above plans above GIS layers.
map.createPane("bw-plans").style.zIndex = 420;
map.createPane("bw-drones").style.zIndex = 450;
map.createPane("bw-detections").style.zIndex = 460;

// coveredLeft: how many pixels of the map's left edge an open panel hides
// (the vehicle panel sets it), so that centring puts things where they show.
let coveredLeft = 0;
export function setCoveredLeft(px) {
  coveredLeft = px;
}

// centreOn puts latlng in the middle of the part of the map not covered by a panel.
export function centreOn(latlng, zoom = map.getZoom()) {
  if (zoom !== map.getZoom()) map.setView(latlng, zoom, { animate: false });
  const size = map.getSize();
  const left = Math.min(coveredLeft, size.x / 2);
  const p = map.latLngToContainerPoint(latlng);
  map.panBy([p.x - (left + (size.x - left) / 2), p.y - size.y / 2], { animate: false });
}
