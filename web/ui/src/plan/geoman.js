// Loads leaflet-geoman, the map-editing library (drawing, dragging,
// vertex editing). Its bundle extends the global `L`, so the one Leaflet
// the app bundles is made global before geoman's module runs (ES modules
// run in import order).
import L from "leaflet";

globalThis.L = globalThis.L ?? L;
