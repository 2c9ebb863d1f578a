package gcs

import (
	"slices"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/decode"
	"github.com/borderwatch/borderwatch/telemetry"
)

// receiverFrame handles a frame of a system that is not a vehicle if it is,
// or becomes, a standalone Remote ID receiver (decode.AdmitsReceiver: its
// own ODID/ADS-B receiver heartbeat, or an OPEN_DRONE_ID_* message it
// relays): its frames are recorded, what it relays becomes RemoteID events,
// and it never joins the vehicles. It reports whether the frame was one.
// Runs on the fleet loop.
func (f *Fleet) receiverFrame(vid telemetry.VehicleID, in inbound, hb *common.MessageHeartbeat, isHB bool) bool {
	rc := f.receivers[vid]
	if rc == nil {
		if in.msg == nil || !((isHB && decode.AdmitsReceiver(hb)) || decode.IsRemoteID(in.msg)) {
			return false
		}
		rc = decode.NewReceiver(vid)
		f.receivers[vid] = rc
		f.Logger.Info("Remote ID receiver discovered", "receiver", vid, "link", in.link.url, "from", in.from.String())
	}
	f.Hub.Publish(in.frame)
	if in.msg != nil {
		rc.Message(in.msg, in.frame.ComponentID, in.frame.Time, func(e telemetry.Event) { f.Hub.Publish(e) })
	}
	return true
}

// ReceiverState is a standalone Remote ID receiver as the fleet knows it.
type ReceiverState struct {
	ID telemetry.VehicleID `json:"id"`
	// SysID is its MAVLink system id.
	SysID     uint8     `json:"sysid"`
	LastHeard time.Time `json:"last_heard"`
	// Messages counts the OPEN_DRONE_ID_* messages it relayed.
	Messages uint64 `json:"messages"`
}

// Receivers lists the standalone Remote ID receivers heard, by id.
func (f *Fleet) Receivers() ([]ReceiverState, error) {
	var out []ReceiverState
	err := f.do(f.ctx, func() {
		for id, rc := range f.receivers {
			out = append(out, ReceiverState{ID: id, SysID: id.SysID(), LastHeard: rc.LastHeard, Messages: rc.Messages})
		}
	})
	slices.SortFunc(out, func(a, b ReceiverState) int { return int(a.ID) - int(b.ID) })
	return out, err
}
