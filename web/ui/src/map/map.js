// The one Leaflet map of the page. It is made at import time on a detached
// element; the map view (src/map/mapview.js) puts that element into the
// page. No tiles: the basemap is the GIS layers the server holds (offline).
import L from "leaflet";

export const mapElement = document.createElement("div");
mapElement.id = "map";
mapElement.className = "bw-map";

export const map = L.map(mapElement, { zoomControl: true }).setView([31.35, -110.95], 12);
L.control.scale({ imperial: false }).addTo(map);

// Panes: detections above drones above plans above GIS layers.
map.createPane("bw-plans").style.zIndex = 420;
map.createPane("bw-drones").style.zIndex = 450;
map.createPane("bw-detections").style.zIndex = 460;
