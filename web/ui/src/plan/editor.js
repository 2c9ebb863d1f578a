// The plan on the map: mission items, legs, fence polygons and circles,
// rally points and the server's validation problems, editable with
// leaflet-geoman (draw, drag, vertex edit, right-click to remove). The
// plan itself lives in store.js; this module draws it and turns geoman's
// events into model edits, so the map never holds state of its own.
import L from "./pm.js";
import * as M from "./model.js";
import { byTarget, collapseLabels, targetKey, worst } from "./problems.js";

// Shapes (fences, legs) and points (waypoints, rally points) lie in two
// panes, points above, so a leg never covers the waypoint it ends at; both
// above the drones, since the plan is what the operator edits here.
const PANE = "bwPlanShapes";
const POINTS = "bwPlanPoints";

// el builds a DOM element with text only (outside text never becomes HTML).
export function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function numberedIcon(cls, label, extra = {}) {
  const box = el("div", "bw-plan-icon-label", label);
  for (const [k, v] of Object.entries(extra)) box.dataset[k] = String(v);
  return L.divIcon({ className: `bw-plan-icon ${cls}`, html: box, iconSize: [22, 22], iconAnchor: [11, 11] });
}

// problemTooltip lists problems; more counts those of things nearby whose
// labels were folded into this one (they show on hover and in the list).
function problemTooltip(problems, more = 0) {
  const box = el("div", "bw-plan-problem-tip");
  for (const p of problems) box.appendChild(el("div", `bw-plan-problem-${p.severity}`, p.message));
  if (more > 0) {
    const m = el("div", "bw-plan-problem-more", `+${more} more ${more === 1 ? "problem" : "problems"} nearby (point at an item, or see the list)`);
    m.dataset.count = String(more);
    box.appendChild(m);
  }
  return box;
}

// labelAnchor is where a layer's tooltip opens by default: a point's
// position, a line's or shape's centre.
function labelAnchor(layer) {
  return layer.getLatLng ? layer.getLatLng() : layer.getCenter();
}

const problemLabel = { permanent: true, direction: "auto", className: "bw-plan-problem-tooltip" };
// A thing whose problems are shown in a neighbour's label still tells them on hover.
const problemHover = { sticky: true, className: "bw-plan-problem-tooltip bw-plan-problem-folded" };

// PlanEditor draws a plan on a Leaflet map and reports edits.
//   onEdit(fn): apply fn(plan) → plan as one undo step
//   onSelect(sel): {kind, index} of what was clicked
//   onDrawEnd(): a one-shot draw mode finished
//   homeAt(lat, lng): the planned home for a point {lat, lon, alt_m}
//     (alt_m NaN when the ground's altitude there is unknown)
export class PlanEditor {
  constructor(map, { onEdit, onSelect, onDrawEnd, homeAt }) {
    this.map = map;
    this.onEdit = onEdit;
    this.homeAt = homeAt ?? ((lat, lng) => ({ lat, lon: lng, alt_m: NaN }));
    this.onSelect = onSelect;
    this.onDrawEnd = onDrawEnd;
    this.group = L.layerGroup();
    this.dragging = 0;
    this.pending = null;
    this.mode = "select";
    // The map may have been made before geoman was loaded (its init hook
    // only equips maps made after): equip it now.
    if (!map.pm) {
      map.pm = new L.PM.Map(map);
      map.pm.setGlobalOptions({});
    }
    for (const [name, z] of [
      [PANE, 452],
      [POINTS, 456],
    ]) {
      if (!map.getPane(name)) map.createPane(name).style.zIndex = z;
    }
    this.group.addTo(map);
    this._onCreate = (e) => this.created(e);
    map.on("pm:create", this._onCreate);
    // A polygon or circle draw ends after one shape; tell the panel.
    this._onDrawEnd = (e) => {
      if (this.switching) return; // a tool change, not a finished shape
      if (this.mode !== "select" && this.mode !== "waypoint" && this.mode !== "rally") this.onDrawEnd?.(e.shape);
    };
    map.on("pm:drawend", this._onDrawEnd);
    // A zoom or a resized map brings things closer or apart: lay the
    // problem labels out again.
    this._onView = () => this.layoutLabels();
    map.on("zoomend resize", this._onView);
  }

  destroy() {
    this.map.pm.disableDraw();
    this.group.eachLayer((l) => l.pm?.enabled?.() && l.pm.disable());
    this.map.off("pm:create", this._onCreate);
    this.map.off("pm:drawend", this._onDrawEnd);
    this.map.off("zoomend resize", this._onView);
    this.group.remove();
  }

  // setMode switches the draw tool: waypoints and rally points keep
  // drawing until the mode changes; a polygon or circle is one shape.
  setMode(mode, plan) {
    this.mode = mode;
    this.plan = plan ?? this.plan;
    const pm = this.map.pm;
    this.switching = true;
    pm.disableDraw();
    this.switching = false;
    const common = { snappable: false, continueDrawing: false, templineStyle: { color: "#1565c0" }, pathOptions: { color: "#1565c0" } };
    switch (mode) {
      case "waypoint":
        pm.enableDraw("Marker", { ...common, continueDrawing: true, markerStyle: { icon: numberedIcon("bw-plan-wp bw-plan-hint", "+") } });
        break;
      case "rally":
        pm.enableDraw("Marker", { ...common, continueDrawing: true, markerStyle: { icon: numberedIcon("bw-plan-rp bw-plan-hint", "R") } });
        break;
      case "home":
        pm.enableDraw("Marker", { ...common, markerStyle: { icon: numberedIcon("bw-plan-home bw-plan-hint", "H") } });
        break;
      case "polygon-incl":
      case "polygon-excl":
        pm.enableDraw("Polygon", { ...common, allowSelfIntersection: false });
        break;
      case "circle-incl":
      case "circle-excl":
        pm.enableDraw("Circle", common);
        break;
    }
  }

  created(e) {
    // The plan is the truth: drop geoman's layer and add to the model;
    // render() draws it back.
    const layer = e.layer;
    layer.remove();
    const mode = this.mode;
    if (e.shape === "Marker") {
      const { lat, lng } = layer.getLatLng();
      if (mode === "waypoint") {
        this.onEdit((p) => M.addItem(p, M.newItem(M.CMD.WAYPOINT, lat, lng, M.lastAltitude(p))));
      } else if (mode === "rally") {
        this.onEdit((p) => M.addRally(p, lat, lng, M.lastAltitude(p)));
      } else if (mode === "home") {
        const h = this.homeAt(lat, lng);
        this.onEdit((p) => M.setHome(p, h.lat, h.lon, h.alt_m));
      }
    } else if (e.shape === "Polygon") {
      const verts = layer.getLatLngs()[0].map((ll) => [ll.lng, ll.lat]);
      this.onEdit((p) => M.addPolygon(p, mode === "polygon-incl", verts));
    } else if (e.shape === "Circle") {
      const c = layer.getLatLng();
      const r = layer.getRadius();
      this.onEdit((p) => M.addCircle(p, mode === "circle-incl", [c.lng, c.lat], r));
    }
  }

  // render draws the plan; while the operator drags a vertex or marker it
  // waits, so a validation answer never pulls a handle from under the mouse.
  render(plan, problems, selection) {
    this.pending = { plan, problems, selection };
    if (this.dragging > 0) return;
    this.flush();
  }

  flush() {
    const args = this.pending;
    this.pending = null;
    if (!args) return;
    const { plan, problems, selection } = args;
    this.plan = plan;
    // Geoman's handles (vertex and centre markers) belong to the layer's
    // edit mode: end it before the layer goes, or they stay on the map.
    this.group.eachLayer((l) => l.pm?.enabled?.() && l.pm.disable());
    this.group.clearLayers();
    this.labels = [];
    const found = byTarget(plan, problems);
    const issue = (t) => found.get(targetKey(t));
    const sel = (kind, index) => selection && selection.kind === kind && selection.index === index;

    // Fence first, so markers lie on top.
    plan.fence.polygons.forEach((f, i) => {
      const pr = issue({ kind: "polygon", index: i });
      const layer = L.polygon(
        f.vertices.map((v) => [v[1], v[0]]),
        this.fenceStyle(f.inclusion, pr, sel("polygon", i)),
      );
      this.attach(layer, pr, `fence polygon ${i + 1} (${f.inclusion ? "inclusion" : "exclusion"})`);
      layer.on("click", () => this.select({ kind: "polygon", index: i }));
      layer.on("pm:edit", () => {
        const verts = layer.getLatLngs()[0].map((ll) => [ll.lng, ll.lat]);
        this.later(() => this.onEdit((p) => M.setPolygon(p, i, verts)));
      });
      this.editable(layer, { allowSelfIntersection: false, draggable: false });
      this.tag(layer, { fence: "polygon", index: i, inclusion: f.inclusion });
    });
    plan.fence.circles.forEach((c, i) => {
      const pr = issue({ kind: "circle", index: i });
      const layer = L.circle([c.center[1], c.center[0]], { radius: c.radius_m, ...this.fenceStyle(c.inclusion, pr, sel("circle", i)) });
      this.attach(layer, pr, `fence circle ${i + 1} (${c.inclusion ? "inclusion" : "exclusion"})`);
      layer.on("click", () => this.select({ kind: "circle", index: i }));
      layer.on("pm:edit", () => {
        const ll = layer.getLatLng();
        const r = layer.getRadius();
        this.later(() => this.onEdit((p) => M.setCircle(p, i, [ll.lng, ll.lat], r)));
      });
      this.editable(layer, { draggable: true });
      this.tag(layer, { fence: "circle", index: i, inclusion: c.inclusion });
    });

    // Legs: one polyline per leg, so a problem highlights the leg it is
    // about, and a click on a leg inserts a waypoint there.
    const stops = [];
    if (plan.home) stops.push({ i: -1, ll: [plan.home.lat, plan.home.lon] });
    plan.mission.forEach((it, i) => {
      if (M.hasPosition(it)) stops.push({ i, ll: [it.params[4], it.params[5]] });
    });
    for (let k = 1; k < stops.length; k++) {
      const a = stops[k - 1];
      const b = stops[k];
      const pr = issue({ kind: "segment", from: a.i, to: b.i });
      const bad = pr ? worst(pr.problems) : "";
      const line = L.polyline([a.ll, b.ll], {
        pane: PANE,
        color: bad === "error" ? "#d50000" : bad === "warning" ? "#ff8f00" : "#1565c0",
        weight: bad ? 6 : 3,
        dashArray: a.i < 0 ? "6 6" : null,
        className: `bw-plan-edit-leg${bad ? " bw-plan-bad" : ""}`,
        pmIgnore: true,
      });
      this.attach(line, pr);
      line.on("click", (e) => {
        if (this.mode !== "select") return;
        L.DomEvent.stopPropagation(e);
        const { lat, lng } = e.latlng;
        this.onEdit((p) => M.addItem(p, M.newItem(M.CMD.WAYPOINT, lat, lng, M.lastAltitude(p)), b.i < 0 ? 0 : b.i));
      });
      this.tag(line, { from: a.i, to: b.i });
    }

    if (plan.home) {
      // Home: dragged, it takes the ground altitude of where it lands (or
      // none); a right-click removes it. The server checks it against the
      // fence and the border like the rest of the plan.
      const pr = issue({ kind: "home" });
      const bad = pr ? ` bw-plan-bad bw-plan-${worst(pr.problems)}` : "";
      const m = L.marker([plan.home.lat, plan.home.lon], {
        icon: numberedIcon(`bw-plan-home${bad}${sel("home") ? " bw-plan-selected" : ""}`, "H", { home: 1 }),
        pane: POINTS,
        pmIgnore: true,
        title: "planned home",
      });
      this.attach(m, pr);
      m.on("click", () => this.select({ kind: "home" }));
      this.movable(
        m,
        (lat, lng) => {
          const h = this.homeAt(lat, lng);
          return (p) => M.setHome(p, h.lat, h.lon, h.alt_m);
        },
        (p) => M.clearHome(p),
      );
    }
    plan.mission.forEach((it, i) => {
      if (!M.hasPosition(it)) return;
      const pr = issue({ kind: "item", index: i });
      const bad = pr ? ` bw-plan-bad bw-plan-${worst(pr.problems)}` : "";
      const cls = `bw-plan-wp bw-plan-cmd-${it.command}${bad}${sel("item", i) ? " bw-plan-selected" : ""}`;
      const label = it.command === M.CMD.TAKEOFF ? "T" : it.command === M.CMD.LAND ? "L" : String(i + 1);
      const m = L.marker([it.params[4], it.params[5]], {
        icon: numberedIcon(cls, label, { index: i, command: it.command }),
        pane: POINTS,
        pmIgnore: true,
        title: `${i + 1} ${M.commandName(it.command)}`,
      });
      this.attach(m, pr);
      m.on("click", () => this.select({ kind: "item", index: i }));
      this.movable(m, (lat, lng) => (p) => M.moveItem(p, i, lat, lng), (p) => M.deleteItem(p, i));
    });
    plan.rally.forEach((r, i) => {
      const pr = issue({ kind: "rally", index: i });
      const bad = pr ? ` bw-plan-bad bw-plan-${worst(pr.problems)}` : "";
      const m = L.marker([r.lat, r.lon], {
        icon: numberedIcon(`bw-plan-rp${bad}${sel("rally", i) ? " bw-plan-selected" : ""}`, "R", { rally: i }),
        pane: POINTS,
        pmIgnore: true,
        title: `rally point ${i + 1}`,
      });
      this.attach(m, pr);
      m.on("click", () => this.select({ kind: "rally", index: i }));
      this.movable(m, (lat, lng) => (p) => M.setRally(p, i, { lat, lon: lng }), (p) => M.deleteRally(p, i));
    });
    this.layoutLabels();
  }

  // layoutLabels lays the problem labels out so that none covers another
  // (problems.js collapseLabels): labels of things close together on screen
  // become one. Run after each draw and after the map zooms or resizes,
  // which moves things closer or apart.
  layoutLabels() {
    if (this.dragging > 0 || !this.labels?.length) return;
    // Points first: where labels fold into one, it names the item (what the
    // operator drags to fix it), the legs' problems counted beside it.
    const points = this.labels.filter((lb) => lb.layer instanceof L.Marker);
    const shapes = this.labels.filter((lb) => !(lb.layer instanceof L.Marker));
    collapseLabels(
      [...points, ...shapes],
      (lb) => {
        const e = lb.layer.getTooltip()?.getElement();
        if (!e || !e.isConnected || e.offsetParent === null) return null;
        const r = e.getBoundingClientRect();
        return r.width || r.height ? r : null;
      },
      (lb, shown, more, members) => {
        lb.layer.unbindTooltip();
        if (!shown) {
          lb.layer.bindTooltip(problemTooltip(lb.problems), problemHover);
          return;
        }
        if (members.length < 2) {
          lb.layer.bindTooltip(problemTooltip(lb.problems), problemLabel);
          return;
        }
        // A label standing for several things goes above the topmost of
        // them (below the lowest near the map's top edge), so that it
        // covers none of the items it is about.
        const pts = members.map((m) => this.map.latLngToContainerPoint(labelAnchor(m.layer)));
        const top = pts.reduce((a, b) => (b.y < a.y ? b : a));
        const bottom = pts.reduce((a, b) => (b.y > a.y ? b : a));
        const above = top.y > 120;
        const at = above ? top : bottom;
        lb.layer.bindTooltip(problemTooltip(lb.problems, more), {
          ...problemLabel,
          direction: above ? "top" : "bottom",
          offset: [0, above ? -12 : 12],
        });
        if (this.map.hasLayer(lb.layer)) lb.layer.openTooltip(this.map.containerPointToLatLng(at));
      },
    );
  }

  // select reports a click on a drawn thing; while a draw tool is active
  // the click belongs to the tool (a waypoint inside a fence).
  select(sel) {
    if (this.mode === "select") this.onSelect(sel);
  }

  fenceStyle(inclusion, pr, selected) {
    const bad = pr ? worst(pr.problems) : "";
    return {
      pane: PANE,
      color: bad === "error" ? "#d50000" : inclusion ? "#2e7d32" : "#c62828",
      weight: bad || selected ? 4 : 2,
      fillOpacity: inclusion ? 0.05 : 0.18,
      dashArray: inclusion ? null : "4 4",
      className: `bw-plan-fence ${inclusion ? "bw-plan-inclusion" : "bw-plan-exclusion"}${bad ? " bw-plan-bad" : ""}`,
    };
  }

  // attach adds a layer to the plan group, with the problems it has as a
  // permanent tooltip (text only) so they show where the operator looks.
  attach(layer, pr, name) {
    layer.addTo(this.group);
    if (pr) {
      layer.bindTooltip(problemTooltip(pr.problems), problemLabel);
      this.labels.push({ layer, problems: pr.problems });
    } else if (name) {
      layer.bindTooltip(el("span", "", name), { sticky: true });
    }
  }

  // editable turns on geoman's editing for a layer and holds redraws while
  // one of its handles is dragged.
  editable(layer, opts) {
    if (!layer.pm) return;
    layer.pm.enable({ snappable: false, ...opts });
    const start = () => this.dragging++;
    const end = () => {
      this.dragging = Math.max(0, this.dragging - 1);
      if (!this.dragging) this.later(() => this.flush());
    };
    layer.on("pm:dragstart pm:markerdragstart", start);
    layer.on("pm:dragend pm:markerdragend", end);
  }

  // movable makes a point draggable with Leaflet's own marker dragging
  // (geoman's drag of markers misses the drag when the map pans under the
  // same mouse-down), and deletable with a right-click as geoman's vertices
  // are. moved(lat, lng) and removed are model edits.
  movable(m, moved, removed) {
    m.dragging.enable();
    m.on("dragstart", () => this.dragging++);
    m.on("dragend", () => {
      const { lat, lng } = m.getLatLng();
      this.dragging = Math.max(0, this.dragging - 1);
      this.later(() => {
        this.onEdit(moved(lat, lng));
        if (!this.dragging) this.flush();
      });
    });
    m.on("contextmenu", (e) => {
      L.DomEvent.preventDefault(e.originalEvent);
      this.later(() => this.onEdit(removed));
    });
  }

  // tag puts data attributes on a drawn layer's element for tests and CSS.
  tag(layer, data) {
    const e = layer.getElement?.();
    if (!e) return;
    for (const [k, v] of Object.entries(data)) e.dataset[k] = String(v);
  }

  // later runs after geoman has finished handling the event that called it.
  later(fn) {
    setTimeout(fn, 0);
  }
}
