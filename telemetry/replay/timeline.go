package replay

import (
	"fmt"
	"slices"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// Marker kinds on a replay timeline.
const (
	MarkDetection      = "detection"
	MarkAlert          = "alert"
	MarkMode           = "mode_change"
	MarkArm            = "arm_change"
	MarkUpload         = "upload"
	MarkOperatorAction = "operator_action"
)

// Marker is one point of interest on a replay timeline.
type Marker struct {
	Time time.Time `json:"time"`
	Kind string    `json:"kind"`
	// Vehicle is the vehicle's id (0: fleet-wide), SysID its system id.
	Vehicle telemetry.VehicleID `json:"vehicle"`
	SysID   uint8               `json:"sysid"`
	// Label is a short text for the marker's tooltip.
	Label string `json:"label"`
	// Type and Event are the event itself, as in the replay stream.
	Type  string          `json:"type"`
	Event telemetry.Event `json:"event,omitempty"`
	// Upload is set instead of Event for the store's record of a plan upload
	// (which plan version went to the vehicle, by whom): Type "plan_upload".
	Upload *store.PlanUpload `json:"upload,omitempty"`
}

// markerOf makes a marker of the events a timeline shows (false for others:
// status texts, mission progress, downloads).
func markerOf(e telemetry.Event) (Marker, bool) {
	m := Marker{Time: e.EventTime(), Vehicle: e.Vehicle(), SysID: e.Vehicle().SysID(), Type: store.EventType(e), Event: e}
	switch v := e.(type) {
	case telemetry.Detection:
		m.Kind = MarkDetection
		m.Label = fmt.Sprintf("%s %d%% (track %d, %s)", v.Class, v.ConfidencePct, v.TrackID, v.Sensor)
	case telemetry.Alert:
		m.Kind = MarkAlert
		m.Label = fmt.Sprintf("%s: %s", v.Type, v.Text)
	case telemetry.ModeChange:
		m.Kind = MarkMode
		m.Label = fmt.Sprintf("mode %s → %s", v.From, v.To)
	case telemetry.ArmChange:
		m.Kind = MarkArm
		m.Label = map[bool]string{true: "armed", false: "disarmed"}[v.Armed]
	case telemetry.TransferResult:
		if v.Direction != "upload" {
			return m, false
		}
		m.Kind = MarkUpload
		m.Label = fmt.Sprintf("%s upload: %d items, verified %v", v.MissionType, v.Items, v.Verified)
		if v.Error != "" {
			m.Label += ", error: " + v.Error
		}
	case telemetry.OperatorAction:
		m.Kind = MarkOperatorAction
		m.Label = fmt.Sprintf("%s: %s %s", v.User, v.Action, v.Detail)
		if v.Result != "" {
			m.Label += " → " + v.Result
		}
	default:
		return m, false
	}
	return m, true
}

// Timeline lists the markers of a window in time order: detections,
// alerts, mode and arm changes, uploads and operator actions. For the live
// recording they are the recorded events; an imported log has none, so its
// mode and arm changes come from decoding its frames with the live decode
// path (newDecoder).
func Timeline[S any](st *store.Store, w Window, newDecoder func() Decoder[S]) ([]Marker, error) {
	out := []Marker{}
	if w.Stream == 0 {
		evs, err := recordedEvents(st, w, w.From, w.To)
		if err != nil {
			return out, err
		}
		for _, e := range evs {
			if m, ok := markerOf(e.Event); ok {
				out = append(out, m)
			}
		}
		ups, err := st.PlanUploads("", 0)
		if err != nil {
			return out, fmt.Errorf("replay: timeline: %w", err)
		}
		for _, u := range ups {
			if u.Time.Before(w.From) || !u.Time.Before(w.To) || (len(w.Vehicles) > 0 && !slices.Contains(w.Vehicles, u.Vehicle)) {
				continue
			}
			label := fmt.Sprintf("%s uploaded plan %q v%d (%d mission, %d fence, %d rally items), verified %v", u.User, u.Plan, u.Version, u.Items[0], u.Items[1], u.Items[2], u.Verified)
			if u.Plan == "" {
				label = fmt.Sprintf("%s uploaded a plan not in the library (%d mission items), verified %v", u.User, u.Items[0], u.Verified)
			}
			if u.Error != "" {
				label += ", error: " + u.Error
			}
			out = append(out, Marker{Time: u.Time, Kind: MarkUpload, Vehicle: u.Vehicle, SysID: u.SysID, Label: label, Type: "plan_upload", Upload: &u})
		}
		slices.SortStableFunc(out, func(a, b Marker) int { return a.Time.Compare(b.Time) })
		return out, nil
	}
	dec := newDecoder()
	emit := func(e telemetry.Event) {
		if len(w.Vehicles) > 0 && !slices.Contains(w.Vehicles, e.Vehicle()) {
			return
		}
		if m, ok := markerOf(e); ok {
			out = append(out, m)
		}
	}
	err := st.Source(w.Stream).ReadFrames(w.Systems, w.From, w.To, func(f telemetry.Frame) bool {
		dec.Frame(f, emit)
		return true
	})
	if err != nil {
		return out, fmt.Errorf("replay: timeline: %w", err)
	}
	return out, nil
}
