// The offline basemap: the PMTiles archive the server serves
// (GET /api/v1/basemap says whether there is one), drawn in Leaflet's tile
// pane under the GIS layers, plans and drones: vector tiles by
// protomaps-leaflet, raster tiles (png, jpeg, webp, avif) as images by a
// Leaflet grid layer over the same reader. The archive is read with the `pmtiles` package over HTTP range
// requests to our own server: nothing comes from the internet.
// Layers are named by kind (basemap/layers.go); their text (names) is drawn
// on the canvas, never inserted as HTML.
import L from "leaflet";
import { effect } from "@preact/signals";
import { PMTiles } from "pmtiles";
import {
  leafletLayer,
  PolygonSymbolizer,
  LineSymbolizer,
  CircleSymbolizer,
  CenteredTextSymbolizer,
  OffsetTextSymbolizer,
  GeomType,
} from "protomaps-leaflet";
import { map } from "./map.js";
import { api } from "../api.js";
import { user } from "../state.js";

const isPoint = (z, f) => f.geomType === GeomType.Point;

const roadWidth = (z, f) => {
  const c = f && f.props ? f.props.class : "";
  const base = c === "highway" ? 3 : c === "track" ? 1 : 2;
  return z >= 13 ? base + 1 : base;
};

export const paintRules = [
  { dataLayer: "land", symbolizer: new PolygonSymbolizer({ fill: "#f2efe6" }) },
  { dataLayer: "countries", symbolizer: new PolygonSymbolizer({ fill: "#f2efe6", stroke: "#a49b8f", width: 0.8 }) },
  { dataLayer: "water", symbolizer: new PolygonSymbolizer({ fill: "#b5d0e0" }) },
  { dataLayer: "sectors", filter: (z, f) => f.geomType === GeomType.Polygon, symbolizer: new PolygonSymbolizer({ fill: "#1565c0", opacity: 0.06, stroke: "#1565c0", width: 1 }) },
  { dataLayer: "settlements", filter: (z, f) => f.geomType === GeomType.Polygon, symbolizer: new PolygonSymbolizer({ fill: "#e3d9cc", stroke: "#c9b9a6", width: 0.5 }) },
  { dataLayer: "rivers", symbolizer: new LineSymbolizer({ color: "#6fa8cc", width: 2 }) },
  { dataLayer: "roads", symbolizer: new LineSymbolizer({ color: "#b3a998", width: (z, f) => roadWidth(z, f) + 1.5 }) },
  { dataLayer: "roads", symbolizer: new LineSymbolizer({ color: "#fffdf7", width: roadWidth }) },
  { dataLayer: "borders", symbolizer: new LineSymbolizer({ color: "#8d6e63", width: 1.5, dash: [4, 3] }) },
  { dataLayer: "checkpoints", symbolizer: new CircleSymbolizer({ radius: 5, fill: "#37474f", stroke: "#fff", width: 1.5 }) },
];

const text = { labelProps: ["name"], fill: "#4e4a44", stroke: "#ffffff", width: 2, font: "12px sans-serif" };

export const labelRules = [
  // Named towns carry a label point (basemap/build.go labelPoint): label
  // that, not every tile's piece of the polygon.
  { dataLayer: "settlements", minzoom: 9, filter: isPoint, symbolizer: new CenteredTextSymbolizer({ ...text, font: "600 13px sans-serif" }) },
  { dataLayer: "sectors", minzoom: 10, filter: isPoint, symbolizer: new CenteredTextSymbolizer({ ...text, fill: "#1565c0" }) },
  { dataLayer: "checkpoints", minzoom: 12, symbolizer: new OffsetTextSymbolizer({ ...text, offsetX: 7, offsetY: 7 }) },
  { dataLayer: "roads", minzoom: 13, symbolizer: new CenteredTextSymbolizer({ ...text, font: "11px sans-serif" }) },
];

// basemapLayer is the drawn layer, or null (no basemap, not loaded yet).
export let basemapLayer = null;

// loadBasemap asks the server for its basemap and draws it; without one
// the map keeps its plain background.
export async function loadBasemap() {
  const info = await api("GET", "/api/v1/basemap");
  if (!info.available) {
    // The demo builds its basemap while the page already works: ask again.
    if (info.pending) setTimeout(() => loadBasemap().catch((err) => console.warn(`basemap: ${err.message}`)), 2000);
    return null;
  }
  if (info.tile_type !== "mvt") {
    if (!rasterTypes[info.tile_type]) {
      console.warn(`basemap: tile type ${info.tile_type} is not drawn (vector, png, jpeg, webp or avif tiles are)`);
      return null;
    }
    basemapLayer = rasterLayer(new PMTiles(info.url), info).addTo(map);
    return basemapLayer;
  }
  basemapLayer = leafletLayer({
    url: new PMTiles(info.url),
    maxDataZoom: info.max_zoom,
    paintRules,
    labelRules,
    attribution: "Basemap: the agency's layers; demo: Natural Earth (world-atlas)",
  });
  basemapLayer.addTo(map);
  // Where the basemap has no land, it is sea: tint the background.
  map.getContainer().style.background = "#c6dae6";
  return basemapLayer;
}

// rasterTypes are the image types of raster archives (PMTiles tile types).
const rasterTypes = { png: "image/png", jpeg: "image/jpeg", webp: "image/webp", avif: "image/avif" };

// rasterLayer draws a raster archive's tiles as images: each tile's bytes
// read from the archive by range request, shown through a blob URL (no
// tile leaves this server). Zooms past the archive's deepest one scale
// its tiles up; a tile the archive lacks stays empty.
export function rasterLayer(archive, info) {
  const type = rasterTypes[info.tile_type];
  const Raster = L.GridLayer.extend({
    createTile(coords, done) {
      const img = document.createElement("img");
      img.alt = "";
      const ctl = new AbortController();
      img.bwAbort = ctl;
      archive
        .getZxy(coords.z, coords.x, coords.y, ctl.signal)
        .then((tile) => {
          if (!tile) {
            img.style.visibility = "hidden";
            done(null, img);
            return;
          }
          const url = URL.createObjectURL(new Blob([tile.data], { type }));
          img.onload = () => {
            URL.revokeObjectURL(url);
            done(null, img);
          };
          img.onerror = () => {
            URL.revokeObjectURL(url);
            done(new Error(`basemap: tile ${coords.z}/${coords.x}/${coords.y} is not a readable ${info.tile_type} image`), img);
          };
          img.src = url;
        })
        .catch((err) => {
          if (err.name !== "AbortError") done(err, img);
        });
      return img;
    },
  });
  const layer = new Raster({
    tileSize: 256,
    minNativeZoom: info.min_zoom,
    maxNativeZoom: info.max_zoom,
    attribution: "Basemap: the agency's raster tiles",
  });
  layer.on("tileunload", (e) => e.tile.bwAbort && e.tile.bwAbort.abort());
  return layer;
}

// Load once someone is logged in (the archive needs the watch permission).
let requested = false;
effect(() => {
  if (!user.value || requested) return;
  requested = true;
  loadBasemap().catch((err) => {
    requested = false;
    console.warn(`basemap: ${err.message}`);
  });
});
