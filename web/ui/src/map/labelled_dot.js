// A small dot with a text label beside it and a tooltip, for points from
// outside (TAK markers, another station's drones). The label and tooltip are
// plain elements the caller fills with textContent, never HTML.
import L from "leaflet";

// labelledDot makes the marker; cls prefixes the CSS classes (cls,
// cls-dot, cls-label, cls-icon). It returns the marker and the elements to
// fill: el (the box, for data attributes), text (the label) and tip.
export function labelledDot(cls, latlng, options = {}) {
  const el = document.createElement("div");
  el.className = cls;
  const dot = document.createElement("div");
  dot.className = `${cls}-dot`;
  const text = document.createElement("span");
  text.className = `${cls}-label`;
  el.append(dot, text);
  const tip = document.createElement("span");
  const marker = L.marker(latlng, {
    icon: L.divIcon({ html: el, className: `${cls}-icon`, iconSize: [16, 16], iconAnchor: [8, 8] }),
    keyboard: false,
    ...options,
  }).bindTooltip(tip);
  return { marker, el, text, tip };
}
