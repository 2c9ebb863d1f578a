package simulator

import (
	"fmt"
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/autopilot"
)

const (
	missionTypeMission = 0
	missionTypeFence   = 1
	missionTypeRally   = 2
	missionTypeAll     = 255
)

// Mission-protocol timing of the real autopilots (ArduPilot
// GCS_MAVLink/MissionItemProtocol.cpp, PX4 mavlink_mission.h).
const (
	apRerequest   = time.Second     // ArduPilot re-sends the request after 1 s of silence
	apCancelAfter = 8 * time.Second // and cancels with OPERATION_CANCELLED after 8 s
	px4Retry      = 250 * time.Millisecond
	px4Timeout    = 5 * time.Second
)

var maxItems = [3]int{700, 100, 30}

// item is one stored mission item, in MISSION_ITEM_INT's terms.
type item struct {
	Frame        uint8
	Command      uint16
	Current      uint8
	Autocontinue uint8
	P1, P2, P3   float32
	P4           float32
	X, Y         int32
	Z            float32
}

func (it item) lat() float64 { return float64(it.X) / 1e7 }
func (it item) lon() float64 { return float64(it.Y) / 1e7 }

// upload is a transfer from the GCS in progress (MISSION_COUNT received).
type upload struct {
	mtype     uint8
	count     int
	next      int
	from      [2]uint8 // GCS system and component id
	lastRecv  time.Duration
	lastReq   time.Duration
	staged    []item // PX4 (all lists) and ArduPilot fences are atomic; the others write in place
	useInt    bool   // PX4 asks with MISSION_REQUEST_INT unless the GCS sends MISSION_ITEM
	completed bool
}

// px4Download is PX4's SENDLIST state (ArduPilot answers requests statelessly).
type px4Download struct {
	mtype    uint8
	count    int
	seq      int
	from     [2]uint8
	lastRecv time.Duration
}

// hasLocation lists the commands whose x/y/z are a position.
func hasLocation(cmd uint16) bool {
	switch common.MAV_CMD(cmd) {
	case common.MAV_CMD_NAV_WAYPOINT, common.MAV_CMD_NAV_LOITER_UNLIM, common.MAV_CMD_NAV_LOITER_TURNS,
		common.MAV_CMD_NAV_LOITER_TIME, common.MAV_CMD_NAV_LAND, common.MAV_CMD_NAV_TAKEOFF,
		common.MAV_CMD_NAV_SPLINE_WAYPOINT, common.MAV_CMD_NAV_LOITER_TO_ALT, common.MAV_CMD_DO_LAND_START,
		common.MAV_CMD_DO_SET_ROI_LOCATION, common.MAV_CMD_DO_SET_ROI, common.MAV_CMD_NAV_FENCE_RETURN_POINT,
		common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_INCLUSION, common.MAV_CMD_NAV_FENCE_POLYGON_VERTEX_EXCLUSION,
		common.MAV_CMD_NAV_FENCE_CIRCLE_INCLUSION, common.MAV_CMD_NAV_FENCE_CIRCLE_EXCLUSION,
		common.MAV_CMD_NAV_RALLY_POINT:
		return true
	}
	return false
}

func isFenceCmd(cmd uint16) bool { return cmd >= 5000 && cmd <= 5004 }

// itemFromWire validates an incoming item and converts it to what the
// flavour stores, through the one table of what the real autopilots keep
// (mavlink/autopilot, taken from ArduPilot's AP_Mission.cpp, fence and rally
// protocols and PX4's mavlink_mission.cpp): ArduPilot answers in frames 0, 3
// and 10, keeps LAND's param4 as its sign, fence items in frame 0 with z 0;
// PX4 keeps fence items in frame 5. The GCS verifies against the same table.
func (v *vehicle) itemFromWire(mtype uint8, frame uint8, cmd uint16, p [4]float32, x, y int32, z float32, autocont uint8) (item, common.MAV_MISSION_RESULT) {
	in := common.MessageMissionItemInt{Frame: common.MAV_FRAME(frame), Command: common.MAV_CMD(cmd), Autocontinue: autocont,
		Param1: p[0], Param2: p[1], Param3: p[2], Param4: p[3], X: x, Y: y, Z: z, MissionType: common.MAV_MISSION_TYPE(mtype)}
	r := autopilot.Store(v.flavor.kind(), common.MAV_MISSION_TYPE(mtype), in)
	st := r.Item
	it := item{Frame: uint8(st.Frame), Command: uint16(st.Command), Autocontinue: st.Autocontinue,
		P1: st.Param1, P2: st.Param2, P3: st.Param3, P4: st.Param4, X: st.X, Y: st.Y, Z: st.Z}
	if !r.Accepted() {
		return it, r.Refusal
	}
	// The flight code cannot fly to a position that is not a number.
	if hasLocation(cmd) && (!validLatLon(it.lat(), it.lon()) || math.IsNaN(float64(it.Z)) || math.IsInf(float64(it.Z), 0)) {
		return it, common.MAV_MISSION_INVALID_PARAM5_X
	}
	// Both autopilots refuse a polygon of fewer than three vertices and a
	// circle without a radius when the fence is written (AC_PolyFence_loader
	// write_fence, PX4's geofence check); here at the item.
	if mtype == missionTypeFence && ((cmd == 5001 || cmd == 5002) && !(it.P1 >= 3) || (cmd == 5003 || cmd == 5004) && !(it.P1 > 0)) {
		return it, common.MAV_MISSION_INVALID_PARAM1
	}
	return it, common.MAV_MISSION_ACCEPTED
}

// handleMission dispatches the mission-protocol messages.
func (v *vehicle) handleMission(now time.Duration, from [2]uint8, msg any) {
	switch m := msg.(type) {
	case *common.MessageMissionCount:
		v.onCount(now, from, uint8(m.MissionType), int(m.Count))
	case *common.MessageMissionItemInt:
		v.onItem(now, from, uint8(m.MissionType), int(m.Seq), true, func() (item, common.MAV_MISSION_RESULT) {
			return v.itemFromWire(uint8(m.MissionType), uint8(m.Frame), uint16(m.Command),
				[4]float32{m.Param1, m.Param2, m.Param3, m.Param4}, m.X, m.Y, m.Z, m.Autocontinue)
		})
	case *common.MessageMissionItem:
		v.onItem(now, from, uint8(m.MissionType), int(m.Seq), false, func() (item, common.MAV_MISSION_RESULT) {
			x, y := int32(math.Round(float64(m.X)*1e7)), int32(math.Round(float64(m.Y)*1e7))
			if !hasLocation(uint16(m.Command)) {
				x, y = int32(m.X), int32(m.Y)
			}
			return v.itemFromWire(uint8(m.MissionType), uint8(m.Frame), uint16(m.Command),
				[4]float32{m.Param1, m.Param2, m.Param3, m.Param4}, x, y, m.Z, m.Autocontinue)
		})
	case *common.MessageMissionRequestList:
		v.onRequestList(now, from, uint8(m.MissionType))
	case *common.MessageMissionRequestInt:
		v.onRequest(now, from, uint8(m.MissionType), int(m.Seq), true)
	case *common.MessageMissionRequest:
		v.onRequest(now, from, uint8(m.MissionType), int(m.Seq), false)
	case *common.MessageMissionAck:
		if v.px4Tx != nil && v.px4Tx.from == from && v.px4Tx.mtype == uint8(m.MissionType) {
			v.px4Tx = nil
		}
	case *common.MessageMissionClearAll:
		v.onClear(now, from, uint8(m.MissionType))
	case *common.MessageMissionSetCurrent:
		v.setCurrent(now, int(m.Seq))
	}
}

func (v *vehicle) ack(to [2]uint8, mtype uint8, res common.MAV_MISSION_RESULT) {
	v.send(&common.MessageMissionAck{TargetSystem: to[0], TargetComponent: to[1], Type: res, MissionType: common.MAV_MISSION_TYPE(mtype)})
}

func (v *vehicle) request(u *upload, now time.Duration) {
	u.lastReq = now
	if u.useInt {
		v.send(&common.MessageMissionRequestInt{TargetSystem: u.from[0], TargetComponent: u.from[1], Seq: uint16(u.next), MissionType: common.MAV_MISSION_TYPE(u.mtype)})
		return
	}
	// ArduPilot asks with MISSION_REQUEST (40) for every list type.
	v.send(&common.MessageMissionRequest{TargetSystem: u.from[0], TargetComponent: u.from[1], Seq: uint16(u.next), MissionType: common.MAV_MISSION_TYPE(u.mtype)})
}

func (v *vehicle) onCount(now time.Duration, from [2]uint8, mtype uint8, count int) {
	if mtype > missionTypeRally {
		v.ack(from, mtype, common.MAV_MISSION_UNSUPPORTED)
		return
	}
	if !v.flavor.ardupilot() {
		v.px4Count(now, from, mtype, count)
		return
	}
	// ArduPilot runs one protocol object per list type, so a fence upload can
	// go on while a mission upload waits for its cancel timeout.
	if u := v.ups[mtype]; u != nil && u.from != from {
		v.ack(from, mtype, common.MAV_MISSION_DENIED)
		return
	}
	v.ups[mtype] = nil // the same GCS may restart its upload
	if count > maxItems[mtype] {
		v.ack(from, mtype, common.MAV_MISSION_NO_SPACE)
		v.statusText(common.MAV_SEVERITY_WARNING, "Only %d items are supported", maxItems[mtype])
		return
	}
	// ArduPilot cuts the old list at the new count before anything arrives:
	// a cancelled upload leaves the new items in front of the old ones.
	switch mtype {
	case missionTypeMission:
		l := v.lists[0]
		v.lists[0] = l[:max(1, min(len(l), count))]
		v.nav.cur = min(v.nav.cur, len(v.lists[0])-1)
	case missionTypeRally:
		l := v.lists[2]
		v.lists[2] = l[:min(len(l), count)]
	}
	if count == 0 {
		if mtype == missionTypeFence {
			v.lists[1] = nil
			v.fence.compile(v)
		}
		v.ack(from, mtype, common.MAV_MISSION_ACCEPTED)
		return
	}
	u := &upload{mtype: mtype, count: count, from: from, lastRecv: now}
	v.ups[mtype] = u
	v.request(u, now)
}

func (v *vehicle) px4Count(now time.Duration, from [2]uint8, mtype uint8, count int) {
	if v.px4Tx != nil {
		v.statusText(common.MAV_SEVERITY_CRITICAL, "WPM: IGN MISSION_COUNT: Busy")
		v.ack(from, mtype, common.MAV_MISSION_ERROR)
		return
	}
	if u := v.activeUpload(); u != nil {
		if u.from != from {
			v.ack(from, mtype, common.MAV_MISSION_ERROR)
			return
		}
		if u.next == 0 { // our first request was lost: ask again
			u.lastRecv = now
			v.request(u, now)
			return
		}
		v.statusText(common.MAV_SEVERITY_CRITICAL, "WPM: REJ. CMD: Busy")
		v.ack(from, mtype, common.MAV_MISSION_ERROR)
		return
	}
	if count > maxItems[mtype] {
		v.ack(from, mtype, common.MAV_MISSION_NO_SPACE)
		return
	}
	if count == 0 {
		v.replaceList(mtype, nil)
		v.ack(from, mtype, common.MAV_MISSION_ACCEPTED)
		return
	}
	u := &upload{mtype: mtype, count: count, from: from, lastRecv: now, useInt: true, staged: make([]item, 0, count)}
	v.ups[mtype] = u
	v.request(u, now)
}

func (v *vehicle) onItem(now time.Duration, from [2]uint8, mtype uint8, seq int, isInt bool, conv func() (item, common.MAV_MISSION_RESULT)) {
	if !v.flavor.ardupilot() {
		v.px4Item(now, from, mtype, seq, isInt, conv)
		return
	}
	if mtype > missionTypeRally {
		return
	}
	u := v.ups[mtype]
	if u == nil {
		return // ArduPilot ignores items outside a transfer
	}
	if seq != u.next {
		// A failure ACK that does not end the transfer: the GCS may send the right item next.
		v.ack(from, mtype, common.MAV_MISSION_INVALID_SEQUENCE)
		return
	}
	if from != u.from {
		v.ack(from, mtype, common.MAV_MISSION_DENIED)
		return
	}
	it, res := conv()
	if res == common.MAV_MISSION_ACCEPTED {
		res = v.apStore(u, seq, it)
	}
	if res != common.MAV_MISSION_ACCEPTED {
		v.ack(from, mtype, res)
		v.ups[mtype] = nil
		return
	}
	u.lastRecv = now
	u.next++
	if u.next >= u.count {
		v.ack(from, mtype, v.apComplete(u))
		v.ups[mtype] = nil
		return
	}
	v.request(u, now)
}

// apStore writes an item the ArduPilot way: missions and rally points in
// place, fences into a staging list.
func (v *vehicle) apStore(u *upload, seq int, it item) common.MAV_MISSION_RESULT {
	if u.mtype == missionTypeFence {
		u.staged = append(u.staged, it)
		return common.MAV_MISSION_ACCEPTED
	}
	l := v.lists[u.mtype]
	switch {
	case u.mtype == missionTypeMission && seq == 0:
		// Home at seq 0 is ignored on upload: the vehicle keeps its real home.
		if len(l) == 0 {
			v.lists[0] = append(l, v.homeItem())
		}
	case seq < len(l):
		l[seq] = it
	case seq == len(l):
		v.lists[u.mtype] = append(l, it)
	default:
		return common.MAV_MISSION_ERROR
	}
	return common.MAV_MISSION_ACCEPTED
}

func (v *vehicle) apComplete(u *upload) common.MAV_MISSION_RESULT {
	switch u.mtype {
	case missionTypeFence:
		old := v.lists[1]
		v.lists[1] = u.staged
		if err := v.fence.compile(v); err != nil {
			v.lists[1] = old
			v.fence.compile(v)
			v.statusText(common.MAV_SEVERITY_WARNING, "Fence: %v", err)
			return common.MAV_MISSION_ERROR
		}
	case missionTypeMission:
		// ArduPilot edits the mission in place: a vehicle flying it carries on at the same index.
		n := &v.nav
		n.jumps, n.stage, n.complete = nil, 0, false
		n.cur = min(n.cur, len(v.lists[0])-1)
	}
	return common.MAV_MISSION_ACCEPTED
}

func (v *vehicle) px4Item(now time.Duration, from [2]uint8, mtype uint8, seq int, isInt bool, conv func() (item, common.MAV_MISSION_RESULT)) {
	u := v.activeUpload()
	if u == nil {
		if v.lastUp != nil && v.lastUp.from == from && v.lastUp.mtype == mtype && seq == v.lastUp.count-1 {
			// The GCS missed our final ACK and sent the last item again.
			v.ack(from, mtype, common.MAV_MISSION_ACCEPTED)
			return
		}
		v.statusText(common.MAV_SEVERITY_CRITICAL, "IGN MISSION_ITEM: No transfer")
		v.ack(from, mtype, common.MAV_MISSION_ERROR)
		return
	}
	if from != u.from {
		v.statusText(common.MAV_SEVERITY_CRITICAL, "REJ. MIS ITEM: partner id mismatch")
		return
	}
	if mtype != u.mtype {
		v.ack(from, mtype, common.MAV_MISSION_ERROR)
		return
	}
	u.lastRecv = now
	u.useInt = isInt
	if seq != u.next {
		return // PX4 ignores an unexpected sequence number; its retry asks again
	}
	it, res := conv()
	if res != common.MAV_MISSION_ACCEPTED {
		v.statusText(common.MAV_SEVERITY_CRITICAL, "IGN MISSION_ITEM: Invalid item")
		v.ack(from, mtype, res)
		v.ups[u.mtype] = nil
		return
	}
	u.staged = append(u.staged, it)
	u.next++
	if u.next < u.count {
		v.request(u, now)
		return
	}
	// PX4 writes into the inactive storage and switches at the end: atomic.
	if mtype == missionTypeFence {
		old := v.lists[1]
		v.lists[1] = u.staged
		if err := v.fence.compile(v); err != nil {
			v.lists[1] = old
			v.fence.compile(v)
			v.ack(from, mtype, common.MAV_MISSION_ERROR)
			v.ups[u.mtype] = nil
			return
		}
	} else {
		v.replaceList(mtype, u.staged)
	}
	u.completed = true
	v.lastUp = u
	v.ups[u.mtype] = nil
	v.ack(from, mtype, common.MAV_MISSION_ACCEPTED)
}

func (v *vehicle) replaceList(mtype uint8, items []item) {
	switch mtype {
	case missionTypeMission:
		if v.flavor.ardupilot() {
			items = append([]item{v.homeItem()}, items...)
		}
		v.lists[0] = items
		v.nav.reset()
		v.nav.cur = v.firstSeq()
		for i, it := range items {
			if it.Current != 0 {
				v.nav.cur = i
			}
		}
	case missionTypeFence:
		v.lists[1] = items
		v.fence.compile(v)
	case missionTypeRally:
		v.lists[2] = items
	}
}

// tickMission runs the protocol timers.
func (v *vehicle) tickMission(now time.Duration) {
	for t, u := range v.ups {
		if u == nil {
			continue
		}
		if v.flavor.ardupilot() {
			if now-u.lastRecv > apCancelAfter {
				v.ack(u.from, u.mtype, common.MAV_MISSION_OPERATION_CANCELLED)
				v.ups[t] = nil
				if u.mtype == missionTypeMission {
					v.nav.reset()
				}
			} else if now-u.lastReq > apRerequest {
				v.request(u, now)
			}
		} else {
			if now-u.lastRecv > px4Timeout {
				v.statusText(common.MAV_SEVERITY_CRITICAL, "Operation timeout")
				v.ups[t] = nil
			} else if now-u.lastReq > px4Retry {
				v.request(u, now)
			}
		}
	}
	if d := v.px4Tx; d != nil && now-d.lastRecv > px4Timeout {
		v.statusText(common.MAV_SEVERITY_CRITICAL, "Operation timeout")
		v.px4Tx = nil
	}
}

func (v *vehicle) onRequestList(now time.Duration, from [2]uint8, mtype uint8) {
	if mtype > missionTypeRally {
		v.ack(from, mtype, common.MAV_MISSION_UNSUPPORTED)
		return
	}
	count := len(v.lists[mtype])
	if v.flavor.ardupilot() {
		if v.ups[mtype] != nil {
			v.ack(from, mtype, common.MAV_MISSION_DENIED)
			return
		}
	} else {
		if v.px4Tx != nil && v.px4Tx.seq == v.px4Tx.count {
			v.px4Tx = nil // all sent, ACK lost: a new request may start
		}
		if v.activeUpload() != nil || (v.px4Tx != nil && (v.px4Tx.mtype != mtype || v.px4Tx.from != from)) {
			v.statusText(common.MAV_SEVERITY_INFO, "Mission download request ignored, already active")
			return
		}
		v.px4Tx = &px4Download{mtype: mtype, count: count, from: from, lastRecv: now}
	}
	v.send(&common.MessageMissionCount{TargetSystem: from[0], TargetComponent: from[1], Count: uint16(count), MissionType: common.MAV_MISSION_TYPE(mtype)})
}

func (v *vehicle) onRequest(now time.Duration, from [2]uint8, mtype uint8, seq int, isInt bool) {
	if mtype > missionTypeRally {
		v.ack(from, mtype, common.MAV_MISSION_UNSUPPORTED)
		return
	}
	if v.flavor.ardupilot() {
		if v.ups[mtype] != nil {
			v.ack(from, mtype, common.MAV_MISSION_DENIED)
			return
		}
		if seq >= len(v.lists[mtype]) {
			v.ack(from, mtype, common.MAV_MISSION_INVALID_SEQUENCE)
			return
		}
	} else {
		d := v.px4Tx
		if d == nil {
			return // PX4 silently ignores requests outside a transfer
		}
		if d.from != from || d.mtype != mtype {
			return
		}
		d.lastRecv = now
		switch {
		case seq == d.seq && d.seq < d.count:
			d.seq++
		case seq == d.seq-1:
		default:
			v.px4Tx = nil
			v.ack(from, mtype, common.MAV_MISSION_ERROR)
			v.statusText(common.MAV_SEVERITY_CRITICAL, "WPM: REJ. CMD: Req. WP was unexpected")
			return
		}
		if seq >= len(v.lists[mtype]) {
			v.px4Tx = nil
			v.ack(from, mtype, common.MAV_MISSION_ERROR)
			return
		}
	}
	it := v.lists[mtype][seq]
	if mtype == missionTypeMission && seq == 0 && v.flavor.ardupilot() {
		it = v.homeItemAt(now)
	}
	current := uint8(0)
	if !v.flavor.ardupilot() && mtype == missionTypeMission && seq == v.nav.cur {
		current = 1
	}
	frame := it.Frame
	if !v.flavor.ardupilot() {
		frame = px4Frame(it.Frame, isInt)
	}
	if isInt {
		v.send(&common.MessageMissionItemInt{TargetSystem: from[0], TargetComponent: from[1], Seq: uint16(seq),
			Frame: common.MAV_FRAME(frame), Command: common.MAV_CMD(it.Command), Current: current, Autocontinue: it.Autocontinue,
			Param1: it.P1, Param2: it.P2, Param3: it.P3, Param4: it.P4, X: it.X, Y: it.Y, Z: it.Z, MissionType: common.MAV_MISSION_TYPE(mtype)})
		return
	}
	x, y := float32(it.lat()), float32(it.lon())
	if !hasLocation(it.Command) {
		x, y = float32(it.X), float32(it.Y)
	}
	v.send(&common.MessageMissionItem{TargetSystem: from[0], TargetComponent: from[1], Seq: uint16(seq),
		Frame: common.MAV_FRAME(frame), Command: common.MAV_CMD(it.Command), Current: current, Autocontinue: it.Autocontinue,
		Param1: it.P1, Param2: it.P2, Param3: it.P3, Param4: it.P4, X: x, Y: y, Z: it.Z, MissionType: common.MAV_MISSION_TYPE(mtype)})
}

// px4Frame: PX4 keeps only "relative or not" and answers in the requested encoding.
func px4Frame(frame uint8, isInt bool) uint8 {
	rel := frame == uint8(common.MAV_FRAME_GLOBAL_RELATIVE_ALT) || frame == uint8(common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT)
	// The table stores PX4 items as sent back in int mode (5, 6); a
	// MISSION_REQUEST (float) gets the plain frames (format_mavlink_mission_item).
	switch {
	case frame == uint8(common.MAV_FRAME_MISSION):
		return frame
	case rel && isInt:
		return uint8(common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT)
	case rel:
		return uint8(common.MAV_FRAME_GLOBAL_RELATIVE_ALT)
	case isInt:
		return uint8(common.MAV_FRAME_GLOBAL_INT)
	}
	return uint8(common.MAV_FRAME_GLOBAL)
}

func (v *vehicle) homeItemAt(now time.Duration) item {
	if !v.homeKnown(now) {
		return item{Command: uint16(common.MAV_CMD_NAV_WAYPOINT), Autocontinue: 1}
	}
	return v.homeItem()
}

func (v *vehicle) onClear(now time.Duration, from [2]uint8, mtype uint8) {
	busy := v.px4Tx != nil || v.activeUpload() != nil
	if v.flavor.ardupilot() {
		busy = mtype <= missionTypeRally && v.ups[mtype] != nil || mtype == missionTypeAll && v.activeUpload() != nil
	}
	if busy {
		if v.flavor.ardupilot() {
			v.ack(from, mtype, common.MAV_MISSION_ERROR)
		} else {
			v.statusText(common.MAV_SEVERITY_CRITICAL, "WPM: IGN CLEAR CMD: Busy")
		}
		return
	}
	switch mtype {
	case missionTypeMission, missionTypeFence, missionTypeRally:
		v.replaceList(mtype, nil)
	case missionTypeAll:
		for t := uint8(0); t < 3; t++ {
			v.replaceList(t, nil)
		}
	default:
		v.ack(from, mtype, common.MAV_MISSION_UNSUPPORTED)
		return
	}
	v.ack(from, mtype, common.MAV_MISSION_ACCEPTED)
}

// setCurrent makes seq the next item to fly and reports it.
func (v *vehicle) setCurrent(now time.Duration, seq int) bool {
	if seq < v.firstSeq() || seq >= len(v.lists[0]) || v.ups[missionTypeMission] != nil {
		if !v.flavor.ardupilot() {
			v.statusText(common.MAV_SEVERITY_CRITICAL, "WPM: WP CURR CMD: Not in list")
		}
		return false
	}
	v.nav.jump(v, seq)
	v.sendMissionCurrent(now)
	return true
}

// firstSeq is the first flyable item: 1 on ArduPilot (0 is home), 0 on PX4.
func (v *vehicle) firstSeq() int {
	if v.flavor.kind().HomeAtSeq0(missionTypeMission) {
		return 1
	}
	return 0
}

// missionNav returns the stored mission without ArduPilot's home.
func (v *vehicle) missionNav() []item { return v.lists[0][v.firstSeq():] }

// altOf converts an item's altitude to AMSL: relative and terrain frames are
// taken above home (the simulator's terrain is flat at home altitude).
func (v *vehicle) altOf(it item) float64 {
	switch common.MAV_FRAME(it.Frame) {
	case common.MAV_FRAME_GLOBAL, common.MAV_FRAME_GLOBAL_INT:
		return float64(it.Z)
	}
	return v.home.alt + float64(it.Z)
}

// rallyPoints returns the stored rally points.
func (v *vehicle) rallyPoints() []pos {
	var out []pos
	for _, it := range v.lists[2] {
		out = append(out, pos{it.lat(), it.lon(), v.altOf(it)})
	}
	return out
}

func (it item) String() string {
	return fmt.Sprintf("cmd %d frame %d p1 %g (%d,%d,%g)", it.Command, it.Frame, it.P1, it.X, it.Y, it.Z)
}

// activeUpload returns an upload in progress, of any list type.
func (v *vehicle) activeUpload() *upload {
	for _, u := range v.ups {
		if u != nil {
			return u
		}
	}
	return nil
}
