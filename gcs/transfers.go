package gcs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/autopilot"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
)

// TransferOptions tune an upload.
type TransferOptions struct {
	// (optional) Progress is called as items move.
	Progress Progress
	// (optional) ListProgress is UploadPlan's Progress that also says which
	// list is moving (a browser shows mission, fence and rally apart).
	ListProgress func(list missions.MissionType, done, total int)
	// (optional) NoVerify skips reading the list back after an upload.
	// Defaults to verifying: an upload is done only when the read-back matches.
	NoVerify bool
	// (optional) Home is written as ArduPilot's mission item 0. Defaults to
	// the vehicle's home, or zeros (ArduPilot replaces it with its real home).
	Home *missions.Position
}

// TransferReport says what an upload did.
type TransferReport struct {
	MissionType string `json:"mission_type"`
	Items       int    `json:"items"`
	// Sent is false for a list that was not attempted (an earlier list failed).
	Sent     bool `json:"sent"`
	Verified bool `json:"verified"`
	// Holds says what the vehicle holds of this list, from the read-back.
	Holds    string        `json:"vehicle_holds,omitempty"`
	Duration time.Duration `json:"duration_ns"`
}

func wireType(t missions.MissionType) (common.MAV_MISSION_TYPE, error) {
	switch t {
	case missions.TypeMission, missions.TypeFence, missions.TypeRally:
		return common.MAV_MISSION_TYPE(t), nil
	}
	return 0, fmt.Errorf("%w: unknown mission type %d", ErrBadInput, t)
}

// toWire turns plan items into the vehicle's list: ArduPilot's mission gets
// home at seq 0; PX4 numbers DO_JUMP targets without home.
func toWire(fl Flavour, t common.MAV_MISSION_TYPE, items []missions.Item, home *missions.Position) []*common.MessageMissionItemInt {
	var out []*common.MessageMissionItemInt
	if homeAtSeq0(fl, uint8(t)) {
		h := missions.Item{Command: uint16(common.MAV_CMD_NAV_WAYPOINT), Frame: uint8(common.MAV_FRAME_GLOBAL), Autocontinue: true}
		// ArduPilot ignores home on upload but still checks it as a
		// location (AP_Mission::mavlink_int_to_mission_cmd refuses a NaN
		// altitude with INVALID_PARAM7): an unknown altitude goes as 0.
		if home != nil && !math.IsNaN(home.Lat) && !math.IsNaN(home.Lon) {
			h.Params[4], h.Params[5] = home.Lat, home.Lon
			if !math.IsNaN(home.AltM) && !math.IsInf(home.AltM, 0) {
				h.Params[6] = home.AltM
			}
		}
		out = append(out, itemToWire(h, 0, t))
	}
	for _, it := range items {
		if fl == FlavourPX4 && t == common.MAV_MISSION_TYPE_MISSION && it.Command == uint16(common.MAV_CMD_DO_JUMP) {
			it.Params[0]--
		}
		out = append(out, itemToWire(it, uint16(len(out)), t))
	}
	return out
}

// fromWire is the inverse of toWire; it also returns ArduPilot's home.
func fromWire(fl Flavour, t common.MAV_MISSION_TYPE, wire []*common.MessageMissionItemInt) ([]missions.Item, *missions.Position) {
	var home *missions.Position
	if homeAtSeq0(fl, uint8(t)) && len(wire) > 0 {
		h := wireToItem(wire[0])
		home = &missions.Position{Lat: h.Params[4], Lon: h.Params[5], AltM: h.Params[6]}
		wire = wire[1:]
	}
	out := make([]missions.Item, 0, len(wire))
	for _, w := range wire {
		it := wireToItem(w)
		if fl == FlavourPX4 && t == common.MAV_MISSION_TYPE_MISSION && it.Command == uint16(common.MAV_CMD_DO_JUMP) {
			it.Params[0]++
		}
		out = append(out, it)
	}
	return out, home
}

// exchanger runs the mission-protocol exchanges of one vehicle, one after
// the other. The fleet drives its sessions over the links (drive); tests and
// benchmarks drive the same code in virtual time (harness_test.go), so what
// is measured there is what runs.
type exchanger struct {
	run func(session) error
	// detached runs a session that must finish even though the caller gave
	// up: the read-back that says what a cancelled upload left on board.
	detached  func(session) error
	send      sender
	sys, comp uint8
	fl        Flavour
	kind      autopilot.Kind
	// tm carries what each exchange learnt of the round trip to the next.
	tm timing
	// legacy clears an empty list without first reading its count (the
	// policy before LegacyTransfers existed; benchmarks compare the two).
	legacy bool
}

func (f *Fleet) exchanger(ctx context.Context, ib *inbox, tg target) *exchanger {
	tm := f.timing(tg.rtt)
	tm.fixedOpening = f.LegacyTransfers
	return &exchanger{run: func(s session) error { return f.drive(ctx, ib, s) },
		detached: func(s session) error { return f.drive(context.Background(), ib, s) }, send: f.sender(tg.vid),
		sys: tg.vid.SysID(), comp: tg.compid, fl: tg.flavour, kind: kindOf(tg.flavour, tg.vehicleType), tm: tm, legacy: f.LegacyTransfers}
}

func (x *exchanger) download(t common.MAV_MISSION_TYPE, p Progress) ([]*common.MessageMissionItemInt, error) {
	d := newDownload(x.send, x.sys, x.comp, t, x.tm, p).forFlavour(x.fl)
	err := x.run(d)
	x.tm = d.tm
	return d.items, err
}

// holding reads list t back and compares it with wire (what was sent).
func (x *exchanger) holding(t common.MAV_MISSION_TYPE, wire []*common.MessageMissionItemInt) (listCheck, error) {
	got, err := x.download(t, nil)
	if err != nil {
		return listCheck{}, err
	}
	return checkList(x.kind, x.fl, t, wire, got), nil
}

// uploadList makes the vehicle hold items as list t and, unless noVerify,
// proves it by read-back. It returns what the read-back showed (nil when
// none was made). On failure the error says what the vehicle holds now, and
// wraps ErrMixedMission only when a read-back proves a mixed list.
func (x *exchanger) uploadList(t common.MAV_MISSION_TYPE, items []missions.Item, home *missions.Position, noVerify bool, p Progress) (*listCheck, error) {
	wire := toWire(x.fl, t, items, home)
	off := homeOffset(x.fl, t)
	if err := refusedItem(x.kind, t, wire, off); err != nil {
		return nil, err
	}
	unacked := false
	if len(items) == 0 {
		if !x.legacy {
			// Clearing a list the vehicle does not hold is an exchange whose
			// result is known: read the count first (one exchange that
			// also verifies), and clear only when something is there.
			if got, err := x.download(t, nil); err == nil && len(got) <= off {
				c := checkList(x.kind, x.fl, t, wire, got)
				return &c, nil
			}
		}
		if err := x.run(newClear(x.send, x.sys, x.comp, t, x.tm)); err != nil {
			return nil, err
		}
	} else {
		up := newUpload(x.send, x.sys, x.comp, t, wire, x.fl, x.tm, p)
		err := x.run(up)
		x.tm = up.tm // keep what the upload learnt about the round trip
		if err != nil {
			return x.afterFailure(t, wire, err)
		}
		unacked = up.unacked
		if up.unacked && noVerify {
			return nil, fmt.Errorf("%w: %s upload: every item was sent but the vehicle never acknowledged it; read the list back to see what it holds", ErrTimeout, typeName(t))
		}
	}
	if noVerify {
		return nil, nil
	}
	c, err := x.holding(t, wire)
	if err != nil {
		return nil, fmt.Errorf("%s uploaded, but the read-back failed, so what the vehicle holds is unconfirmed: %w", typeName(t), err)
	}
	if !c.same() {
		err := fmt.Errorf("%w: the vehicle holds %s", ErrVerify, c)
		if unacked && x.writesInPlace(t) && c.partly() {
			err = fmt.Errorf("%w: %w: re-upload or clear it", ErrMixedMission, err)
		}
		return &c, err
	}
	return &c, nil
}

// writesInPlace reports whether the vehicle overwrites list t item by item
// as an upload goes (ArduPilot's mission and rally points), so that an upload
// that did not complete can leave a mixed list. ArduPilot stages a fence
// (MissionItemProtocol_Fence writes it at the end); PX4 writes every list to
// its inactive storage and switches at the end (mavlink_mission.cpp).
func (x *exchanger) writesInPlace(t common.MAV_MISSION_TYPE) bool {
	return x.fl == FlavourArduPilot && t != common.MAV_MISSION_TYPE_FENCE
}

// afterFailure reads back a list whose upload failed, to say what the
// vehicle holds now (ArduPilot writes items as they come, so it may hold part
// of the new list). It reads back even when the caller gave up, so that the
// operator learns what a cancelled upload left on board; the read-back is
// bounded by failureReadBack of silence.
func (x *exchanger) afterFailure(t common.MAV_MISSION_TYPE, wire []*common.MessageMissionItemInt, err error) (*listCheck, error) {
	if errors.Is(err, ErrClosed) {
		return nil, err
	}
	saved, run := x.tm, x.run
	x.tm.Stall = min(x.tm.Stall, failureReadBack)
	if errors.Is(err, ErrCancelled) && x.detached != nil {
		x.run = x.detached
	}
	c, rerr := x.holding(t, wire)
	x.tm, x.run = saved, run
	if rerr != nil {
		return nil, fmt.Errorf("%w; reading the %s back failed too (%v), so what the vehicle holds is unknown: read it back or re-upload", err, typeName(t), rerr)
	}
	var pu *partialUpload
	if errors.As(err, &pu) {
		err = pu.known() // the read-back says what it holds: no "may"
	}
	if x.writesInPlace(t) && c.partly() {
		return &c, fmt.Errorf("%w: %w; the vehicle holds %s: re-upload or clear it", ErrMixedMission, err, c)
	}
	return &c, fmt.Errorf("%w; the vehicle holds %s", err, c)
}

// failureReadBack bounds the read-back after a failed upload: the vehicle
// may be the reason it failed.
// It outlasts ArduPilot's 8 s cancel of an upload the GCS stopped feeding,
// during which it denies read-backs.
const failureReadBack = 10 * time.Second

// Upload sends one list (mission, fence or rally) of plan items, then by
// default reads it back and compares it with what the vehicle's autopilot
// stores of them. An empty list clears it.
func (f *Fleet) Upload(ctx context.Context, vid telemetry.VehicleID, mt missions.MissionType, items []missions.Item, opt TransferOptions) (TransferReport, error) {
	t, err := wireType(mt)
	rep := TransferReport{MissionType: mt.String(), Items: len(items)}
	if err != nil {
		return rep, err
	}
	start := f.Now()
	err = f.withExchanger(ctx, vid, func(x *exchanger, tg target) error {
		var c *listCheck
		c, err := x.uploadList(t, items, homeFor(opt, tg), opt.NoVerify, opt.Progress)
		rep.fill(c, err, opt.NoVerify)
		return err
	})
	rep.Duration = f.Now().Sub(start)
	f.publishTransfer(vid, mt, "upload", len(items), rep.Verified, rep.Duration, err)
	return rep, err
}

func (r *TransferReport) fill(c *listCheck, err error, noVerify bool) {
	r.Sent = true
	if c != nil {
		r.Holds = c.String()
	}
	r.Verified = err == nil && !noVerify
}

func homeFor(opt TransferOptions, tg target) *missions.Position {
	if opt.Home != nil {
		return opt.Home
	}
	if h := tg.state.Home; h != nil {
		return &missions.Position{Lat: h.Lat, Lon: h.Lon, AltM: h.AltM}
	}
	return nil
}

// withExchanger reserves the vehicle's mission protocol and runs fn with an
// exchanger for it; what the exchanges learnt of the round trip is kept.
func (f *Fleet) withExchanger(ctx context.Context, vid telemetry.VehicleID, fn func(*exchanger, target) error) error {
	release, err := f.acquire(vid, "mission")
	if err != nil {
		return err
	}
	defer release()
	tg, ib, err := f.attach(ctx, vid)
	if err != nil {
		return err
	}
	defer f.detach(vid, ib)
	x := f.exchanger(ctx, ib, tg)
	err = fn(x, tg)
	if x.tm.srtt > 0 && x.tm.srtt != tg.rtt {
		f.sampleRTT(vid, x.tm.srtt)
	}
	return err
}

// Download reads one list from the vehicle as plan items (without home);
// for ArduPilot's mission it also returns home.
func (f *Fleet) Download(ctx context.Context, vid telemetry.VehicleID, mt missions.MissionType, p Progress) ([]missions.Item, *missions.Position, error) {
	t, err := wireType(mt)
	if err != nil {
		return nil, nil, err
	}
	start := f.Now()
	items, home, err := f.download(ctx, vid, t, p)
	f.publishTransfer(vid, mt, "download", len(items), false, f.Now().Sub(start), err)
	return items, home, err
}

func (f *Fleet) download(ctx context.Context, vid telemetry.VehicleID, t common.MAV_MISSION_TYPE, p Progress) ([]missions.Item, *missions.Position, error) {
	release, err := f.acquire(vid, "mission")
	if err != nil {
		return nil, nil, err
	}
	defer release()
	tg, ib, err := f.attach(ctx, vid)
	if err != nil {
		return nil, nil, err
	}
	defer f.detach(vid, ib)
	down := newDownload(f.sender(vid), vid.SysID(), tg.compid, t, f.timing(tg.rtt), p).forFlavour(tg.flavour)
	if err := f.drive(ctx, ib, down); err != nil {
		return nil, nil, err
	}
	items, home := fromWire(tg.flavour, t, down.items)
	return items, home, nil
}

// Clear empties one list on the vehicle.
func (f *Fleet) Clear(ctx context.Context, vid telemetry.VehicleID, mt missions.MissionType) error {
	t, err := wireType(mt)
	if err != nil {
		return err
	}
	start := f.Now()
	err = func() error {
		release, err := f.acquire(vid, "mission")
		if err != nil {
			return err
		}
		defer release()
		tg, ib, err := f.attach(ctx, vid)
		if err != nil {
			return err
		}
		defer f.detach(vid, ib)
		return f.drive(ctx, ib, newClear(f.sender(vid), vid.SysID(), tg.compid, t, f.timing(tg.rtt)))
	}()
	f.publishTransfer(vid, mt, "clear", 0, false, f.Now().Sub(start), err)
	return err
}

// SetCurrent makes plan item index (0 = first item, without home) current.
func (f *Fleet) SetCurrent(ctx context.Context, vid telemetry.VehicleID, index int) error {
	tg, ib, err := f.attach(ctx, vid)
	if err != nil {
		return err
	}
	defer f.detach(vid, ib)
	seq := index
	if homeAtSeq0(tg.flavour, 0) {
		seq++
	}
	if index < 0 || seq > math.MaxUint16 {
		return fmt.Errorf("%w: mission item %d does not exist", ErrBadInput, index)
	}
	return f.drive(ctx, ib, newSetCurrent(f.sender(vid), vid.SysID(), tg.compid, uint16(seq), f.timing(tg.rtt)))
}

func (f *Fleet) publishTransfer(vid telemetry.VehicleID, mt missions.MissionType, dir string, n int, verified bool, d time.Duration, err error) {
	ev := telemetry.TransferResult{EventHeader: telemetry.Header(f.Now(), vid),
		MissionType: mt.String(), Direction: dir, Items: n, Verified: verified, Duration: d}
	if err != nil {
		ev.Error = err.Error()
		if errors.Is(err, ErrMixedMission) {
			f.Hub.Publish(telemetry.Alert{EventHeader: ev.EventHeader, Type: telemetry.AlertMixedPlan,
				Severity: telemetry.SeverityCritical, Text: err.Error()})
		}
	}
	f.Hub.Publish(ev)
}

// PlanReport is the outcome of uploading a whole plan.
type PlanReport struct {
	Verified bool           `json:"verified"`
	Mission  TransferReport `json:"mission"`
	Fence    TransferReport `json:"fence"`
	Rally    TransferReport `json:"rally"`
	// Holds says, list by list, what the vehicle holds after the upload.
	Holds    string           `json:"vehicle_holds,omitempty"`
	Duration time.Duration    `json:"duration_ns"`
	Lists    []TransferReport `json:"-"`
}

// planOrder is the order UploadPlan sends a plan's lists: the fence first
// (PX4 checks a new mission against the fence on board, and a mission must
// never be on a vehicle without its fence), then the rally points (where an
// RTL lands), then the mission, which is sent only once both are verified.
var planOrder = []missions.MissionType{missions.TypeFence, missions.TypeRally, missions.TypeMission}

// UploadPlan uploads a plan's fence, rally points and mission (in that
// order), each verified by read-back unless opted out. The vehicle then holds
// exactly the plan: an empty list clears the vehicle's. When a list fails,
// the lists after it are not sent, and the error says what the vehicle holds
// of each list (verified, read back, or untouched).
func (f *Fleet) UploadPlan(ctx context.Context, vid telemetry.VehicleID, p *missions.Plan, opt TransferOptions) (PlanReport, error) {
	var rep PlanReport
	start := f.Now()
	if opt.Home == nil {
		opt.Home = p.Home
	}
	// Check every list before sending any, so that a bad fence does not
	// leave the vehicle with the new mission and the old fence.
	for _, mt := range planOrder {
		if err := checkItems(common.MAV_MISSION_TYPE(mt), p.Items(mt)); err != nil {
			return rep, fmt.Errorf("nothing was sent, the vehicle's plan is unchanged: %w", err)
		}
	}
	err := f.withExchanger(ctx, vid, func(x *exchanger, tg target) error {
		for _, mt := range planOrder {
			t := common.MAV_MISSION_TYPE(mt)
			if err := refusedItem(x.kind, t, toWire(x.fl, t, p.Items(mt), nil), homeOffset(x.fl, t)); err != nil {
				return fmt.Errorf("nothing was sent, the vehicle's plan is unchanged: %w", err)
			}
		}
		return x.uploadPlan(p, homeFor(opt, tg), opt, &rep, func(mt missions.MissionType, r TransferReport, err error) {
			f.publishTransfer(vid, mt, "upload", r.Items, r.Verified, r.Duration, err)
		}, f.Now)
	})
	rep.Duration = f.Now().Sub(start)
	return rep, err
}

// uploadPlan runs UploadPlan's exchanges; done is called after each list.
func (x *exchanger) uploadPlan(p *missions.Plan, home *missions.Position, opt TransferOptions, rep *PlanReport,
	done func(missions.MissionType, TransferReport, error), now func() time.Time) error {
	var holds []string
	for i, mt := range planOrder {
		items := p.Items(mt)
		r := TransferReport{MissionType: mt.String(), Items: len(items)}
		start := now()
		progress := opt.Progress
		if lp := opt.ListProgress; lp != nil {
			progress = func(done, total int) { lp(mt, done, total) }
		}
		c, err := x.uploadList(common.MAV_MISSION_TYPE(mt), items, home, opt.NoVerify, progress)
		r.fill(c, err, opt.NoVerify)
		r.Duration = now().Sub(start)
		rep.set(mt, r)
		if done != nil {
			done(mt, r, err)
		}
		switch {
		case err != nil && c == nil:
			holds = append(holds, fmt.Sprintf("its %s unknown (no read-back)", mt))
		case err != nil:
			holds = append(holds, r.Holds)
		case opt.NoVerify:
			holds = append(holds, fmt.Sprintf("this plan's %s (sent, not verified)", mt))
		default:
			holds = append(holds, r.Holds+" (verified)")
		}
		if err != nil {
			var left []string
			for _, rest := range planOrder[i+1:] {
				left = append(left, rest.String())
				rep.set(rest, TransferReport{MissionType: rest.String(), Items: len(p.Items(rest))})
			}
			if len(left) > 0 {
				holds = append(holds, fmt.Sprintf("its earlier %s, untouched: not sent, because a list before them failed", strings.Join(left, " and ")))
			}
			rep.Holds = strings.Join(holds, "; ")
			return fmt.Errorf("%s upload failed: %w. The vehicle now holds: %s", mt, err, rep.Holds)
		}
	}
	rep.Holds = strings.Join(holds, "; ")
	rep.Verified = !opt.NoVerify && rep.Mission.Verified && rep.Fence.Verified && rep.Rally.Verified
	return nil
}

func (r *PlanReport) set(mt missions.MissionType, tr TransferReport) {
	switch mt {
	case missions.TypeMission:
		r.Mission = tr
	case missions.TypeFence:
		r.Fence = tr
	case missions.TypeRally:
		r.Rally = tr
	}
}

// DownloadPlan reads the vehicle's mission, fence and rally points as a plan.
func (f *Fleet) DownloadPlan(ctx context.Context, vid telemetry.VehicleID) (*missions.Plan, error) {
	mission, home, err := f.Download(ctx, vid, missions.TypeMission, nil)
	if err != nil {
		return nil, err
	}
	fence, _, err := f.Download(ctx, vid, missions.TypeFence, nil)
	if err != nil {
		return nil, err
	}
	rally, _, err := f.Download(ctx, vid, missions.TypeRally, nil)
	if err != nil {
		return nil, err
	}
	p, err := missions.PlanFromItems(mission, fence, rally)
	if err != nil {
		return nil, fmt.Errorf("the vehicle's lists do not form a plan: %w", err)
	}
	if home != nil && (home.Lat != 0 || home.Lon != 0) {
		p.Home = home
	} else if v, ok, _ := f.Vehicle(ctx, vid); ok && v.Home != nil {
		p.Home = &missions.Position{Lat: v.Home.Lat, Lon: v.Home.Lon, AltM: v.Home.AltM}
	}
	if v, ok, _ := f.Vehicle(ctx, vid); ok {
		switch v.Autopilot {
		case "ardupilot":
			p.Vehicle.FirmwareType = missions.FirmwareArduPilot
		case "px4":
			p.Vehicle.FirmwareType = missions.FirmwarePX4
		}
	}
	return p, nil
}
