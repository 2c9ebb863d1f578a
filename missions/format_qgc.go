package missions

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
)

// QGroundControl .plan files (JSON): fileType "Plan" version 1 holding
// mission version 2, geoFence version 2 and rallyPoints version 2. See
// docs/plans.md for what is read, what is kept for round trips and what is
// refused.

// qgcExtras is what a .plan held beyond the model. WriteQGCPlan puts it
// back where the model still agrees with it.
type qgcExtras struct {
	top, mission, fence, rally map[string]json.RawMessage
	// items holds the editor-only keys of SimpleItems (Altitude,
	// AltitudeMode, AMSLAltAboveTerrain, MISSION_ITEM_ID …) by mission
	// index, with the item they belonged to: they are written back only if
	// that item is unchanged.
	items map[int]qgcItemExtra
	// complex holds ComplexItems (survey, CorridorScan …) whose generated
	// items were read into the mission; written back as they were while the
	// mission still holds the same generated items at the same place.
	complex []qgcComplex
}

type qgcItemExtra struct {
	item Item
	keys map[string]json.RawMessage
}

type qgcComplex struct {
	start int
	items []Item
	raw   json.RawMessage
}

// Keys of a .plan that the model reads; everything else is kept as extras.
var (
	qgcTopKeys     = []string{"fileType", "version", "mission", "geoFence", "rallyPoints", "borderwatch"}
	qgcMissionKeys = []string{"version", "firmwareType", "vehicleType", "cruiseSpeed", "hoverSpeed", "plannedHomePosition", "items"}
	qgcItemKeys    = []string{"type", "command", "frame", "params", "autoContinue", "doJumpId", "coordinate"}
	qgcFenceKeys   = []string{"version", "polygons", "circles", "breachReturn", "polygon"}
	qgcRallyKeys   = []string{"version", "points"}
)

type jobj = map[string]json.RawMessage

func planErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrBadPlanFile}, args...)...)
}

// ReadQGCPlan reads a QGroundControl .plan document. Like MAVSDK (and unlike
// QGroundControl, whose Qt JSON parser refuses them) it accepts // and /* */
// comments, which hand-edited files such as PX4's fw_mission.plan contain.
// SimpleItems are read in both the current form (7 params) and the old one
// ("coordinate" plus 4 params); survey and CorridorScan ComplexItems are read
// through the mission items QGroundControl generated and saved with them.
// geoFence version 1 is ignored, as QGroundControl ignores it, with a note.
// Keys the model does not hold are kept and written back by WriteQGCPlan.
func ReadQGCPlan(data []byte) (*Plan, error) {
	// Notepad and friends put a UTF-8 byte-order mark in front of
	// hand-edited files; JSON parsers refuse it.
	clean := stripJSONComments(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))
	var top jobj
	if err := json.Unmarshal(clean, &top); err != nil {
		return nil, planErr("not a JSON object: %s", jsonErrWhere(clean, err))
	}
	if top == nil {
		return nil, planErr("not a JSON object: the document is null")
	}
	var fileType string
	if err := getField(top, "fileType", &fileType, true); err != nil {
		return nil, planErr("%v (a QGroundControl plan has \"fileType\": \"Plan\")", err)
	}
	if fileType == "Mission" {
		return nil, planErr("this is a QGroundControl .mission file (fileType \"Mission\", the format before .plan): open it in QGroundControl and save it as a .plan")
	}
	if fileType != "Plan" {
		return nil, planErr("fileType is %q, want \"Plan\" (is this a QGroundControl .plan file?)", fileType)
	}
	var version float64
	if err := getField(top, "version", &version, true); err != nil {
		return nil, planErr("%v", err)
	}
	if version != 1 {
		return nil, planErr("plan file version %g is not supported: QGroundControl writes and reads version 1", version)
	}
	ex := &qgcExtras{top: unknownKeys(top, qgcTopKeys)}
	p := &Plan{}

	rawMission, ok := top["mission"]
	if !ok || isNull(rawMission) {
		return nil, planErr("no \"mission\" object (QGroundControl requires one, even with no items)")
	}
	if err := readQGCMission(rawMission, p, ex); err != nil {
		return nil, err
	}
	if raw, ok := top["geoFence"]; ok && !isNull(raw) {
		if err := readQGCFence(raw, p, ex); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["rallyPoints"]; ok && !isNull(raw) {
		if err := readQGCRally(raw, p, ex); err != nil {
			return nil, err
		}
	}
	if raw, ok := top["borderwatch"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &p.Meta); err != nil {
			return nil, planErr("\"borderwatch\" (plan metadata): %v", err)
		}
	}
	p.qgc = ex
	return p, nil
}

func readQGCMission(raw json.RawMessage, p *Plan, ex *qgcExtras) error {
	var m jobj
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return planErr("\"mission\" is not an object")
	}
	ex.mission = unknownKeys(m, qgcMissionKeys)
	var version float64
	if err := getField(m, "version", &version, true); err != nil {
		return planErr("mission: %v", err)
	}
	if version != 2 {
		return planErr("mission version %g is not supported: QGroundControl writes and reads version 2", version)
	}
	var fw, vt float64
	for _, f := range []struct {
		key string
		dst *float64
		max float64
	}{{"firmwareType", &fw, 255}, {"vehicleType", &vt, 255}, {"cruiseSpeed", &p.Vehicle.CruiseSpeedMS, 1000}, {"hoverSpeed", &p.Vehicle.HoverSpeedMS, 1000}} {
		if err := getField(m, f.key, f.dst, false); err != nil {
			return planErr("mission: %v", err)
		}
		if v := *f.dst; v < 0 || v > f.max || v != v {
			return planErr("mission: %q is %g, want 0-%g", f.key, v, f.max)
		}
	}
	if fw != math.Trunc(fw) || vt != math.Trunc(vt) {
		return planErr("mission: firmwareType %g and vehicleType %g must be whole numbers (MAV_AUTOPILOT, MAV_TYPE)", fw, vt)
	}
	p.Vehicle.FirmwareType, p.Vehicle.VehicleType = uint8(fw), uint8(vt)

	if rawHome, ok := m["plannedHomePosition"]; ok && !isNull(rawHome) {
		pos, err := readLatLonAlt(rawHome, true)
		if err != nil {
			return planErr("mission: plannedHomePosition: %v", err)
		}
		// QGroundControl writes 0,0 when it had no home; it means "unknown".
		if pos.Lat != 0 || pos.Lon != 0 {
			p.Home = &pos
		}
	}
	var items []json.RawMessage
	if err := getField(m, "items", &items, true); err != nil {
		return planErr("mission: %v", err)
	}
	jumpIDs := map[int]int{} // doJumpId in the file -> 1-based index in Mission
	renumber := false
	for n, rawItem := range items {
		var it jobj
		if err := json.Unmarshal(rawItem, &it); err != nil || it == nil {
			return planErr("mission item %d: not an object", n+1)
		}
		var typ string
		if err := getField(it, "type", &typ, true); err != nil {
			return planErr("mission item %d: %v", n+1, err)
		}
		switch typ {
		case "SimpleItem":
			item, jumpID, err := readQGCSimpleItem(it)
			if err != nil {
				return planErr("mission item %d%v", n+1, err)
			}
			idx := len(p.Mission)
			if jumpID > 0 {
				jumpIDs[jumpID] = idx + 1
				renumber = renumber || jumpID != idx+1
			}
			if keys := unknownKeys(it, qgcItemKeys); len(keys) > 0 {
				if ex.items == nil {
					ex.items = map[int]qgcItemExtra{}
				}
				ex.items[idx] = qgcItemExtra{item: item, keys: keys}
			}
			p.Mission = append(p.Mission, item)
		case "ComplexItem":
			gen, err := readQGCComplexItem(it)
			if err != nil {
				return planErr("mission item %d %v", n+1, err)
			}
			ex.complex = append(ex.complex, qgcComplex{start: len(p.Mission), items: gen, raw: slices.Clone(rawItem)})
			p.Mission = append(p.Mission, gen...)
		default:
			return planErr("mission item %d: type %q is neither \"SimpleItem\" nor \"ComplexItem\"", n+1, typ)
		}
	}
	if renumber {
		// DO_JUMP param1 names a doJumpId; the model numbers by position.
		for i, it := range p.Mission {
			if it.Command == CmdDoJump {
				if idx, ok := jumpIDs[int(it.Params[0])]; ok {
					p.Mission[i].Params[0] = float64(idx)
				}
			}
		}
	}
	return nil
}

func readQGCSimpleItem(it jobj) (Item, int, error) {
	var cmd, frame float64
	if err := getField(it, "command", &cmd, true); err != nil {
		return Item{}, 0, fmt.Errorf(": %v", err)
	}
	if cmd != math.Trunc(cmd) || cmd < 0 || cmd > 65535 {
		return Item{}, 0, fmt.Errorf(": command %g is not a MAV_CMD (0-65535)", cmd)
	}
	name := CommandName(uint16(cmd))
	if err := getField(it, "frame", &frame, true); err != nil {
		return Item{}, 0, fmt.Errorf(" (%s): %v", name, err)
	}
	if frame != math.Trunc(frame) || frame < 0 || frame > 255 {
		return Item{}, 0, fmt.Errorf(" (%s): frame %g is not a MAV_FRAME", name, frame)
	}
	item := Item{Command: uint16(cmd), Frame: uint8(frame), Autocontinue: true}
	if err := getField(it, "autoContinue", &item.Autocontinue, false); err != nil {
		return Item{}, 0, fmt.Errorf(" (%s): %v", name, err)
	}
	var params []*float64
	if err := getField(it, "params", &params, true); err != nil {
		return Item{}, 0, fmt.Errorf(" (%s): %v", name, err)
	}
	if rawCoord, ok := it["coordinate"]; ok {
		// The old SimpleItem form: four params and a separate coordinate.
		if len(params) != 4 {
			return Item{}, 0, fmt.Errorf(" (%s): an item with \"coordinate\" has 4 params, this one %d", name, len(params))
		}
		pos, err := readLatLonAlt(rawCoord, true)
		if err != nil {
			return Item{}, 0, fmt.Errorf(" (%s): coordinate: %v", name, err)
		}
		params = append(params, &pos.Lat, &pos.Lon, &pos.AltM)
	}
	if len(params) != 7 {
		return Item{}, 0, fmt.Errorf(" (%s): params has %d values, want 7", name, len(params))
	}
	for i, v := range params {
		if v == nil {
			item.Params[i] = math.NaN()
		} else {
			item.Params[i] = *v
		}
	}
	// Only a navigation command's params 5-7 are a position; other
	// commands use them for other things whatever the frame says.
	if item.HasPosition() {
		if err := checkLatLon(item.Params[4], item.Params[5]); err != nil {
			return Item{}, 0, fmt.Errorf(" (%s): %v", name, err)
		}
	}
	var jumpID float64
	if err := getField(it, "doJumpId", &jumpID, false); err != nil {
		return Item{}, 0, fmt.Errorf(" (%s): %v", name, err)
	}
	if jumpID != math.Trunc(jumpID) || jumpID < 0 || jumpID > 1<<30 {
		return Item{}, 0, fmt.Errorf(" (%s): doJumpId %g is not a positive whole number", name, jumpID)
	}
	return item, int(jumpID), nil
}

// readQGCComplexItem returns the mission items a ComplexItem stands for,
// which QGroundControl saves beside the pattern's parameters for survey and
// CorridorScan (TransectStyleComplexItem.Items).
func readQGCComplexItem(it jobj) ([]Item, error) {
	var kind string
	if err := getField(it, "complexItemType", &kind, true); err != nil {
		return nil, fmt.Errorf("ComplexItem: %v", err)
	}
	if err := checkQGCComplexVersion(it, kind); err != nil {
		return nil, err
	}
	var ts jobj
	if raw, ok := it["TransectStyleComplexItem"]; ok && !isNull(raw) {
		if err := json.Unmarshal(raw, &ts); err != nil {
			return nil, fmt.Errorf("ComplexItem %s: TransectStyleComplexItem is not an object", kind)
		}
	}
	rawItems, ok := ts["Items"]
	if !ok || isNull(rawItems) {
		switch kind {
		case "survey", "CorridorScan":
			return nil, fmt.Errorf("ComplexItem %s has no TransectStyleComplexItem.Items (the generated mission items): the file was saved by a QGroundControl too old to write them, or edited; re-save it with QGroundControl 4", kind)
		case "StructureScan", "fwLandingPattern", "vtolLandingPattern":
			return nil, fmt.Errorf("ComplexItem %s carries no generated mission items in the file (QGroundControl computes them when it loads the plan), and Borderwatch does not compute them: replace it with simple items in QGroundControl", kind)
		default:
			return nil, fmt.Errorf("ComplexItem type %q is unknown and carries no generated mission items", kind)
		}
	}
	var items []json.RawMessage
	if err := json.Unmarshal(rawItems, &items); err != nil {
		return nil, fmt.Errorf("ComplexItem %s: TransectStyleComplexItem.Items is not an array", kind)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("ComplexItem %s: TransectStyleComplexItem.Items is empty (a pattern always generates items)", kind)
	}
	out := make([]Item, 0, len(items))
	for j, raw := range items {
		var o jobj
		if err := json.Unmarshal(raw, &o); err != nil || o == nil {
			return nil, fmt.Errorf("ComplexItem %s: generated item %d is not an object", kind, j+1)
		}
		var typ string
		if err := getField(o, "type", &typ, false); err != nil || (typ != "" && typ != "SimpleItem") {
			return nil, fmt.Errorf("ComplexItem %s: generated item %d has type %q, want \"SimpleItem\"", kind, j+1, typ)
		}
		item, _, err := readQGCSimpleItem(o)
		if err != nil {
			return nil, fmt.Errorf("ComplexItem %s: generated item %d%v", kind, j+1, err)
		}
		out = append(out, item)
	}
	return out, nil
}

// checkQGCComplexVersion refuses the ComplexItem versions QGroundControl
// refuses, with its message, so that a file QGroundControl would not open is
// not flown by Borderwatch either. From QGroundControl's
// src/MissionManager/SurveyComplexItem.cc (load: versions 2-5, "Survey items
// do not support version N") and CorridorScanComplexItem.cc (_loadWorker:
// version 2 only, "CorridorScan complex item version N not supported"). The
// other kinds carry no generated items and are refused whatever their version.
func checkQGCComplexVersion(it jobj, kind string) error {
	var version float64
	if err := getField(it, "version", &version, true); err != nil {
		return fmt.Errorf("ComplexItem %s: %v", kind, err)
	}
	switch kind {
	case "survey":
		if version != math.Trunc(version) || version < 2 || version > 5 {
			return fmt.Errorf("ComplexItem survey: Survey items do not support version %g (QGroundControl reads versions 2-5)", version)
		}
	case "CorridorScan":
		if version != 2 {
			return fmt.Errorf("ComplexItem CorridorScan: CorridorScan complex item version %g not supported (QGroundControl reads version 2)", version)
		}
	}
	return nil
}

func readQGCFence(raw json.RawMessage, p *Plan, ex *qgcExtras) error {
	var g jobj
	if err := json.Unmarshal(raw, &g); err != nil || g == nil {
		return planErr("\"geoFence\" is not an object")
	}
	ex.fence = unknownKeys(g, qgcFenceKeys)
	var version float64
	if err := getField(g, "version", &version, false); err != nil {
		return planErr("geoFence: %v", err)
	}
	_, hasV2 := g["polygons"]
	_, hasCircles := g["circles"]
	if version == 0 && (hasV2 || hasCircles) {
		version = 2
		p.Notes = append(p.Notes, "geoFence has no version; read as version 2 because it has polygons/circles")
	}
	switch version {
	case 0, 1:
		var old []json.RawMessage
		_ = json.Unmarshal(g["polygon"], &old)
		if len(old) > 0 {
			p.Notes = append(p.Notes, fmt.Sprintf("geoFence version 1 (a %d-vertex polygon) ignored, as QGroundControl ignores it: redraw the fence and save the plan again", len(old)))
		}
		return nil
	case 2:
	default:
		return planErr("geoFence version %g is not supported: QGroundControl writes version 2", version)
	}
	var polys []jobj
	if err := getField(g, "polygons", &polys, false); err != nil {
		return planErr("geoFence: %v", err)
	}
	for i, po := range polys {
		if po == nil {
			return planErr("geoFence polygon %d: not an object", i+1)
		}
		fp := FencePolygon{Inclusion: true}
		if err := getField(po, "inclusion", &fp.Inclusion, false); err != nil {
			return planErr("geoFence polygon %d: %v", i+1, err)
		}
		var verts []json.RawMessage
		if err := getField(po, "polygon", &verts, true); err != nil {
			return planErr("geoFence polygon %d: %v", i+1, err)
		}
		if len(verts) < 3 {
			return planErr("geoFence polygon %d: %d vertices; a fence polygon needs at least 3", i+1, len(verts))
		}
		for j, rv := range verts {
			pos, err := readLatLonAlt(rv, false)
			if err != nil {
				return planErr("geoFence polygon %d vertex %d: %v", i+1, j+1, err)
			}
			fp.Vertices = append(fp.Vertices, [2]float64{pos.Lon, pos.Lat})
		}
		p.Fence.Polygons = append(p.Fence.Polygons, fp)
	}
	var circles []jobj
	if err := getField(g, "circles", &circles, false); err != nil {
		return planErr("geoFence: %v", err)
	}
	for i, co := range circles {
		if co == nil {
			return planErr("geoFence circle %d: not an object", i+1)
		}
		fc := FenceCircle{Inclusion: true}
		if err := getField(co, "inclusion", &fc.Inclusion, false); err != nil {
			return planErr("geoFence circle %d: %v", i+1, err)
		}
		var c jobj
		if err := getField(co, "circle", &c, true); err != nil || c == nil {
			return planErr("geoFence circle %d: no \"circle\" object with center and radius", i+1)
		}
		rawCenter, ok := c["center"]
		if !ok {
			return planErr("geoFence circle %d: no \"center\"", i+1)
		}
		pos, err := readLatLonAlt(rawCenter, false)
		if err != nil {
			return planErr("geoFence circle %d: center: %v", i+1, err)
		}
		fc.Center = [2]float64{pos.Lon, pos.Lat}
		if err := getField(c, "radius", &fc.RadiusM, true); err != nil {
			return planErr("geoFence circle %d: %v", i+1, err)
		}
		if !(fc.RadiusM > 0) || math.IsInf(fc.RadiusM, 0) {
			return planErr("geoFence circle %d: radius %g m; it must be above 0", i+1, fc.RadiusM)
		}
		p.Fence.Circles = append(p.Fence.Circles, fc)
	}
	if rawRet, ok := g["breachReturn"]; ok && !isNull(rawRet) {
		pos, err := readLatLonAlt(rawRet, true)
		if err != nil {
			return planErr("geoFence breachReturn: %v", err)
		}
		p.Fence.Return = &pos
	}
	return nil
}

func readQGCRally(raw json.RawMessage, p *Plan, ex *qgcExtras) error {
	var r jobj
	if err := json.Unmarshal(raw, &r); err != nil || r == nil {
		return planErr("\"rallyPoints\" is not an object")
	}
	ex.rally = unknownKeys(r, qgcRallyKeys)
	var version float64
	if err := getField(r, "version", &version, false); err != nil {
		return planErr("rallyPoints: %v", err)
	}
	if version != 0 && version != 1 && version != 2 {
		return planErr("rallyPoints version %g is not supported: QGroundControl writes version 2", version)
	}
	var pts []json.RawMessage
	if err := getField(r, "points", &pts, false); err != nil {
		return planErr("rallyPoints: %v", err)
	}
	for i, rp := range pts {
		pos, err := readLatLonAlt(rp, true)
		if err != nil {
			return planErr("rally point %d: %v", i+1, err)
		}
		p.Rally = append(p.Rally, pos)
	}
	return nil
}

// readLatLonAlt reads [lat, lon] or [lat, lon, alt]; a null altitude is NaN
// for home (QGroundControl writes it when it had none) and 0 elsewhere.
func readLatLonAlt(raw json.RawMessage, withAlt bool) (Position, error) {
	var v []*float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return Position{}, fmt.Errorf("want [lat, lon%s] numbers: %v", map[bool]string{true: ", alt"}[withAlt], err)
	}
	if len(v) < 2 || len(v) > 3 || (withAlt && len(v) != 3 && len(v) != 2) {
		return Position{}, fmt.Errorf("has %d values, want [lat, lon%s]", len(v), map[bool]string{true: ", alt"}[withAlt])
	}
	if v[0] == nil || v[1] == nil {
		return Position{}, fmt.Errorf("latitude or longitude is null")
	}
	pos := Position{Lat: *v[0], Lon: *v[1]}
	if len(v) == 3 {
		if v[2] == nil {
			pos.AltM = math.NaN()
		} else {
			pos.AltM = *v[2]
		}
	}
	if err := checkLatLon(pos.Lat, pos.Lon); err != nil {
		return Position{}, err
	}
	return pos, nil
}

// getField decodes obj[key] into dst; a missing key is an error only when
// required, and null counts as missing.
func getField(obj jobj, key string, dst any, required bool) error {
	raw, ok := obj[key]
	if !ok || isNull(raw) {
		if required {
			return fmt.Errorf("no %q", key)
		}
		return nil
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("%q is a JSON %s, want %s", key, te.Value, jsonKind(dst))
		}
		return fmt.Errorf("%q: %v", key, err)
	}
	return nil
}

func jsonKind(dst any) string {
	switch dst.(type) {
	case *float64:
		return "a number"
	case *string:
		return "a string"
	case *bool:
		return "true or false"
	case *[]*float64:
		return "an array of numbers or nulls"
	case *jobj:
		return "an object"
	case *[]jobj:
		return "an array of objects"
	}
	return "an array"
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

func unknownKeys(obj jobj, known []string) map[string]json.RawMessage {
	var out map[string]json.RawMessage
	for k, v := range obj {
		if !slices.Contains(known, k) {
			if out == nil {
				out = map[string]json.RawMessage{}
			}
			out[k] = slices.Clone(v)
		}
	}
	return out
}

// stripJSONComments blanks // and /* */ comments outside strings, keeping
// every newline so that error offsets still point at the right line.
func stripJSONComments(data []byte) []byte {
	if !bytes.Contains(data, []byte("/")) {
		return data
	}
	out := slices.Clone(data)
	inStr := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			out[i], out[i+1] = ' ', ' '
			i += 2
			for ; i < len(out); i++ {
				if out[i] == '*' && i+1 < len(out) && out[i+1] == '/' {
					out[i], out[i+1] = ' ', ' '
					i++
					break
				}
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
		}
	}
	return out
}

// jsonErrWhere turns a JSON syntax error's byte offset into line:column.
func jsonErrWhere(data []byte, err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(min(se.Offset, int64(len(data))))
		line := 1 + bytes.Count(data[:off], []byte("\n"))
		col := off - bytes.LastIndexByte(data[:off], '\n')
		return fmt.Sprintf("line %d column %d: %v", line, col, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("the document is a JSON %s", te.Value)
	}
	return err.Error()
}

// WriteQGCPlan writes the plan as a QGroundControl .plan document (fileType
// Plan version 1, mission 2, geoFence 2, rallyPoints 2) that QGroundControl
// opens. Keys kept from a file that was read are written back; so are
// ComplexItems whose generated items the mission still holds unchanged.
func WriteQGCPlan(p *Plan) ([]byte, error) {
	ex := p.qgc
	if ex == nil {
		ex = &qgcExtras{}
	}
	top := map[string]any{}
	for k, v := range ex.top {
		top[k] = v
	}
	if _, ok := top["groundStation"]; !ok {
		top["groundStation"] = "Borderwatch"
	}
	top["fileType"] = "Plan"
	top["version"] = 1

	mission := map[string]any{}
	for k, v := range ex.mission {
		mission[k] = v
	}
	mission["version"] = 2
	mission["firmwareType"] = p.Vehicle.FirmwareType
	mission["vehicleType"] = p.Vehicle.VehicleType
	if p.Vehicle.CruiseSpeedMS > 0 {
		mission["cruiseSpeed"] = p.Vehicle.CruiseSpeedMS
	}
	if p.Vehicle.HoverSpeedMS > 0 {
		mission["hoverSpeed"] = p.Vehicle.HoverSpeedMS
	}
	// QGroundControl requires plannedHomePosition; 0,0 tells it "none".
	home := []*float64{floatPtr(0), floatPtr(0), floatPtr(0)}
	if p.Home != nil {
		home = []*float64{nullableNum(p.Home.Lat), nullableNum(p.Home.Lon), nullableNum(p.Home.AltM)}
	}
	mission["plannedHomePosition"] = home
	items := make([]any, 0, len(p.Mission))
	for i := 0; i < len(p.Mission); {
		if c, ok := ex.complexAt(i, p.Mission); ok {
			items = append(items, c.raw)
			i += len(c.items)
			continue
		}
		it := p.Mission[i]
		o := map[string]any{}
		if e, ok := ex.items[i]; ok && itemDiff(e.item, it) == "" {
			for k, v := range e.keys {
				o[k] = v
			}
		}
		params := make([]*float64, 7)
		for k, v := range it.Params {
			params[k] = nullableNum(v)
		}
		o["type"] = "SimpleItem"
		o["command"] = it.Command
		o["frame"] = it.Frame
		o["params"] = params
		o["autoContinue"] = it.Autocontinue
		o["doJumpId"] = i + 1
		items = append(items, o)
		i++
	}
	mission["items"] = items
	top["mission"] = mission

	fence := map[string]any{}
	for k, v := range ex.fence {
		fence[k] = v
	}
	fence["version"] = 2
	polys := make([]any, 0, len(p.Fence.Polygons))
	for i, poly := range p.Fence.Polygons {
		verts := make([][2]float64, len(poly.Vertices))
		for j, v := range poly.Vertices {
			if err := checkLatLon(v.Lat(), v.Lon()); err != nil {
				return nil, fmt.Errorf("fence polygon %d vertex %d: %v", i+1, j+1, err)
			}
			verts[j] = [2]float64{v.Lat(), v.Lon()}
		}
		polys = append(polys, map[string]any{"inclusion": poly.Inclusion, "polygon": verts, "version": 1})
	}
	fence["polygons"] = polys
	circles := make([]any, 0, len(p.Fence.Circles))
	for _, c := range p.Fence.Circles {
		circles = append(circles, map[string]any{
			"inclusion": c.Inclusion,
			"version":   1,
			"circle":    map[string]any{"center": [2]float64{c.Center.Lat(), c.Center.Lon()}, "radius": c.RadiusM},
		})
	}
	fence["circles"] = circles
	if r := p.Fence.Return; r != nil {
		fence["breachReturn"] = []*float64{nullableNum(r.Lat), nullableNum(r.Lon), nullableNum(r.AltM)}
	}
	top["geoFence"] = fence

	rally := map[string]any{}
	for k, v := range ex.rally {
		rally[k] = v
	}
	rally["version"] = 2
	pts := make([]any, 0, len(p.Rally))
	for _, r := range p.Rally {
		pts = append(pts, []*float64{nullableNum(r.Lat), nullableNum(r.Lon), nullableNum(r.AltM)})
	}
	rally["points"] = pts
	top["rallyPoints"] = rally

	if p.Meta != (Meta{}) {
		top["borderwatch"] = p.Meta
	}
	out, err := json.MarshalIndent(top, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("writing .plan: %w", err)
	}
	return append(out, '\n'), nil
}

// complexAt returns the ComplexItem read at mission index i if the mission
// still holds its generated items there unchanged.
func (ex *qgcExtras) complexAt(i int, mission []Item) (qgcComplex, bool) {
	for _, c := range ex.complex {
		if c.start != i || i+len(c.items) > len(mission) {
			continue
		}
		same := true
		for k, it := range c.items {
			if itemDiff(it, mission[i+k]) != "" {
				same = false
				break
			}
		}
		if same {
			return c, true
		}
	}
	return qgcComplex{}, false
}

func floatPtr(v float64) *float64 { return &v }

// num maps NaN and ±Inf (unused params) to JSON null.
func nullableNum(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
