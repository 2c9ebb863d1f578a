// The fleet on the map, drawn on one canvas: an arrow per drone pointing
// along its heading and coloured by its state, its callsign, its trail of
// the last minutes and its home. One canvas redrawn per animation frame
// stays fast with a thousand moving drones, where a DOM marker per drone
// does not (docs/performance.md). Text is drawn with fillText: a callsign
// never becomes HTML.
import L from "leaflet";
import { map } from "./map.js";

// Drone states in the order they win (a lost link hides everything else).
export const droneStates = [
  { id: "lost", label: "Link lost", color: "#9e9e9e" },
  { id: "breach", label: "Fence breach", color: "#d50000" },
  { id: "lowbat", label: "Low battery", color: "#ff6d00" },
  { id: "prearm", label: "Pre-arm failing", color: "#aa00ff" },
  { id: "returning", label: "Returning / landing", color: "#00897b" },
  { id: "flying", label: "Flying", color: "#1565c0" },
  { id: "armed", label: "Armed on the ground", color: "#f9a825" },
  { id: "disarmed", label: "Disarmed", color: "#546e7a" },
];
const stateColor = Object.fromEntries(droneStates.map((s) => [s.id, s.color]));

export const lowBatteryPct = 25;
const returningModes = new Set(["RTL", "SMART_RTL", "LAND", "AUTO_RTL", "AUTO_LAND", "QRTL", "QLAND", "AUTO_PRECLAND"]);

// droneState classifies a vehicle object (docs/api.md) into one state id.
export function droneState(v) {
  if (!v.link_ok) return "lost";
  if (v.fence_breached) return "breach";
  if (v.battery_pct >= 0 && v.battery_pct < lowBatteryPct) return "lowbat";
  if (!v.armed) return v.prearm === "failing" ? "prearm" : "disarmed";
  if (returningModes.has(v.mode) || v.landed_state === "landing") return "returning";
  if (v.landed_state === "on_ground" || (v.landed_state !== "in_air" && v.landed_state !== "takeoff" && v.rel_alt_m < 1)) return "armed";
  return "flying";
}

export function callsign(v) {
  return v.callsign || `Drone ${v.id}`;
}

// Web Mercator as Leaflet's EPSG3857 computes it, kept here so trails are
// projected once when recorded and only scaled and shifted when drawn.
const R = 6378137;
const maxLat = 85.0511287798;
function mercX(lon) {
  return (R * lon * Math.PI) / 180;
}
function mercY(lat) {
  const s = Math.sin((Math.max(Math.min(maxLat, lat), -maxLat) * Math.PI) / 180);
  return (R * Math.log((1 + s) / (1 - s))) / 2;
}

const trailSampleMs = 2000;
export const trailMinutes = 5;
const trailPoints = (trailMinutes * 60 * 1000) / trailSampleMs;

// The arrow, nose up, centred on the drone's position: x, y pairs.
const arrow = [0, -11, 7.5, 9, 0, 4.5, -7.5, 9];

// A label's box around its baseline at the drone's y + 4 (11 px text), and
// the half size of a marker it must clear (a 24 px detection icon with its
// 3 px border shadow).
const labelAbove = 8;
const labelBelow = 4;
const markHalf = 15;

// labelBox is the box [left, top, right, bottom] a label of width w that
// starts at x takes beside the drone drawn at y.
function labelBox(x, y, w) {
  return [x, y + 4 - labelAbove, x + w, y + 4 + labelBelow];
}

// labelX is where drone d's label starts: right of the arrow, or right of
// the markers (detections, drawn above the drones on purpose) that would
// cover its start, so that both read. A label moves at most a few markers
// along; past that it stays where it got.
function labelX(w, d, marks) {
  let x = d.x + 13;
  const [, top, , bottom] = labelBox(x, d.y, w);
  for (let pass = 0; pass < 4; pass++) {
    let moved = false;
    for (const [mx, my] of marks) {
      if (my + markHalf < top || my - markHalf > bottom) continue;
      if (mx + markHalf < x || mx - markHalf > x + w) continue;
      x = mx + markHalf + 2;
      moved = true;
    }
    if (!moved) break;
  }
  return x;
}

// addArrow adds the arrow turned by heading a (radians, clockwise from north) at x, y.
function addArrow(p, x, y, a) {
  const c = Math.cos(a);
  const s = Math.sin(a);
  for (let i = 0; i < arrow.length; i += 2) {
    const ax = x + arrow[i] * c - arrow[i + 1] * s;
    const ay = y + arrow[i] * s + arrow[i + 1] * c;
    if (i === 0) p.moveTo(ax, ay);
    else p.lineTo(ax, ay);
  }
  p.closePath();
}

// messageStats: what reading vehicle messages costs (JSON and the fleet
// store, src/live.js), beside the drawing this layer counts; the browser
// benchmark reads both from the canvas (bwStats, bwMessageStats).
export const messageStats = { messages: 0, totalMs: 0, maxMs: 0 };

class DroneLayer extends L.Layer {
  constructor() {
    super();
    this.vehicles = new Map(); // id → vehicle object (latest)
    this.trails = new Map(); // id → {xs: Float64Array, ys, n, start, last}
    this.selected = new Set();
    this.showTrails = true;
    this.showHomes = true;
    this.showLabels = true;
    this.queued = false;
    // stats: what the draws cost, read by the browser benchmark.
    this.stats = { draws: 0, totalMs: 0, maxMs: 0, lastMs: 0 };
  }

  onAdd(m) {
    this.canvas = L.DomUtil.create("canvas", "bw-drones leaflet-zoom-hide", m.getPane("bw-drones"));
    this.canvas.bwDrawn = new Map();
    this.canvas.bwStats = this.stats;
    this.canvas.bwMessageStats = messageStats;
    this.ctx = this.canvas.getContext("2d");
    m.on("move zoomend viewreset resize", this.redraw, this);
    this.redraw();
  }

  onRemove(m) {
    m.off("move zoomend viewreset resize", this.redraw, this);
    this.canvas.remove();
  }

  // update takes the changed vehicles of one stream message.
  update(list) {
    const now = Date.now();
    for (const v of list) {
      this.vehicles.set(v.id, v);
      if (v.has_position) this.record(v, now);
    }
    this.redraw();
  }

  record(v, now) {
    let t = this.trails.get(v.id);
    if (!t) {
      t = { xs: new Float64Array(trailPoints), ys: new Float64Array(trailPoints), n: 0, start: 0, last: 0 };
      this.trails.set(v.id, t);
    }
    if (now - t.last < trailSampleMs && t.n > 0) {
      // Keep the newest point current between samples so the trail reaches the drone.
      const i = (t.start + t.n - 1) % trailPoints;
      t.xs[i] = mercX(v.lon);
      t.ys[i] = mercY(v.lat);
      return;
    }
    t.last = now;
    const i = (t.start + t.n) % trailPoints;
    t.xs[i] = mercX(v.lon);
    t.ys[i] = mercY(v.lat);
    if (t.n < trailPoints) t.n++;
    else t.start = (t.start + 1) % trailPoints;
  }

  clear() {
    this.vehicles.clear();
    this.trails.clear();
    this.redraw();
  }

  setSelected(ids) {
    this.selected = ids;
    this.redraw();
  }

  redraw() {
    if (this.queued || !this._map) return;
    this.queued = true;
    requestAnimationFrame(() => {
      this.queued = false;
      this.draw();
    });
  }

  // draw paints every drone now; the benchmark measures it.
  draw() {
    const m = this._map;
    if (!m) return;
    const t0 = performance.now();
    const size = m.getSize();
    const dpr = window.devicePixelRatio || 1;
    const c = this.canvas;
    if (c.width !== Math.round(size.x * dpr) || c.height !== Math.round(size.y * dpr)) {
      c.width = Math.round(size.x * dpr);
      c.height = Math.round(size.y * dpr);
      c.style.width = `${size.x}px`;
      c.style.height = `${size.y}px`;
    }
    L.DomUtil.setPosition(c, m.containerPointToLayerPoint([0, 0]));
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, size.x, size.y);

    // Container pixel = (mercator × k + offset): the map's scale and origin now.
    const zoom = m.getZoom();
    const scale = 256 * Math.pow(2, zoom);
    const k = scale / (2 * Math.PI * R);
    const origin = m.getPixelOrigin();
    const pane = m._getMapPanePos();
    const ox = scale / 2 - origin.x + pane.x;
    const oy = scale / 2 - origin.y + pane.y;
    const px = (x) => x * k + ox;
    const py = (y) => -y * k + oy;
    const margin = 40;
    const visible = (x, y) => x > -margin && y > -margin && x < size.x + margin && y < size.y + margin;

    if (this.showTrails) {
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "rgba(21, 101, 192, 0.45)";
      ctx.beginPath();
      for (const t of this.trails.values()) {
        for (let j = 0; j < t.n; j++) {
          const i = (t.start + j) % trailPoints;
          const x = px(t.xs[i]);
          const y = py(t.ys[i]);
          if (j === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        }
      }
      ctx.stroke();
    }

    if (this.showHomes) {
      // One path for every home: a draw call per home costs more than the drawing.
      const homes = new Path2D();
      for (const v of this.vehicles.values()) {
        if (!v.home) continue;
        const x = px(mercX(v.home.lon));
        const y = py(mercY(v.home.lat));
        if (visible(x, y)) homes.rect(x - 4, y - 4, 8, 8);
      }
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = "#37474f";
      ctx.fillStyle = "rgba(255,255,255,0.85)";
      ctx.fill(homes);
      ctx.stroke(homes);
    }

    // Arrows batched by state: one path, one fill and one stroke per colour.
    const drawn = new Map();
    const byState = new Map();
    const rings = new Path2D();
    let count = 0;
    for (const v of this.vehicles.values()) {
      if (!v.has_position) continue;
      const x = px(mercX(v.lon));
      const y = py(mercY(v.lat));
      const state = droneState(v);
      drawn.set(v.id, { x, y, heading: v.heading_deg, state });
      if (!visible(x, y)) continue;
      count++;
      if (this.selected.has(v.id)) {
        rings.moveTo(x + 15, y);
        rings.arc(x, y, 15, 0, 2 * Math.PI);
      }
      let p = byState.get(state);
      if (!p) {
        p = new Path2D();
        byState.set(state, p);
      }
      addArrow(p, x, y, (v.heading_deg * Math.PI) / 180);
    }
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#ffd600";
    ctx.stroke(rings);
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = "#fff";
    for (const [state, p] of byState) {
      ctx.fillStyle = stateColor[state];
      ctx.fill(p);
      ctx.stroke(p);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    // Labels only while they can be read: a crowd of names is noise.
    const labels = new Map();
    if (this.showLabels && count <= 300) {
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.lineWidth = 3;
      ctx.strokeStyle = "rgba(255,255,255,0.9)";
      ctx.fillStyle = "#0d2a4a";
      // Markers drawn above the drones (detections) that a label must not
      // start under: [x, y] centres in container pixels, those on screen.
      const marks = this.labelObstacles ? this.labelObstacles().filter((p) => visible(p[0], p[1])) : [];
      for (const v of this.vehicles.values()) {
        const d = drawn.get(v.id);
        if (!d || !visible(d.x, d.y)) continue;
        const text = callsign(v);
        const w = ctx.measureText(text).width;
        const x = marks.length ? labelX(w, d, marks) : d.x + 13;
        ctx.strokeText(text, x, d.y + 4);
        ctx.fillText(text, x, d.y + 4);
        labels.set(v.id, labelBox(x, d.y, w));
      }
    }
    c.bwDrawn = drawn;
    // Each label's box (labelBox, container pixels), for the browser tests.
    c.bwLabels = labels;
    const ms = performance.now() - t0;
    const s = this.stats;
    s.draws++;
    s.totalMs += ms;
    s.lastMs = ms;
    if (ms > s.maxMs) s.maxMs = ms;
  }

  // hit answers the id of the drone drawn nearest a container point, within r pixels.
  hit(point, r = 14) {
    let best = null;
    let bestD = r * r;
    for (const [id, d] of this.canvas.bwDrawn) {
      const dx = d.x - point.x;
      const dy = d.y - point.y;
      const dd = dx * dx + dy * dy;
      if (dd <= bestD) {
        bestD = dd;
        best = id;
      }
    }
    return best;
  }
}

export const droneLayer = new DroneLayer();
droneLayer.addTo(map);
