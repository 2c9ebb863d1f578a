// Keeping a marker's tooltip inside the map. Leaflet's "auto" direction
// puts a tooltip to the right of a marker in the map's left half and to the
// left in its right half, whatever the tooltip's width: a long one (a TAK
// marker's remarks) beside a marker just right of the middle opened off the
// map's left edge. fitTooltip chooses the side by the room there is.
const GAP = 14; // the tooltip's offset from the marker and its arrow, in pixels

// tooltipSide is the side ("right", "left", "top" or "bottom") for a tooltip
// of width w beside a point at x, y of a map size.x × size.y pixels: the
// side Leaflet's auto would take when it fits, else the other one when that
// fits, else above or below (centred), where there is more room.
export function tooltipSide(x, y, w, size) {
  const fitsRight = x + GAP + w <= size.x;
  const fitsLeft = x - GAP - w >= 0;
  const auto = x < size.x / 2 ? "right" : "left";
  if ((auto === "right" && fitsRight) || (auto === "left" && fitsLeft)) return auto;
  if (fitsRight) return "right";
  if (fitsLeft) return "left";
  return y > size.y / 2 ? "top" : "bottom";
}

// fitTooltip makes a layer's tooltip open on the side where it fits; call
// it once per layer (it follows every opening).
export function fitTooltip(map, layer) {
  layer.on("tooltipopen", (e) => {
    const tt = e.tooltip;
    const el = tt.getElement();
    if (!el || !map.hasLayer(layer)) return;
    const p = map.latLngToContainerPoint(layer.getLatLng());
    const side = tooltipSide(p.x, p.y, el.offsetWidth, map.getSize());
    if (tt.options.direction !== side) {
      tt.options.direction = side;
      tt.update();
    }
  });
}
