package gcs

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

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
	MissionType string        `json:"mission_type"`
	Items       int           `json:"items"`
	Verified    bool          `json:"verified"`
	Duration    time.Duration `json:"duration_ns"`
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
	if fl.homeAtSeq0(uint8(t)) {
		h := missions.Item{Command: uint16(common.MAV_CMD_NAV_WAYPOINT), Frame: uint8(common.MAV_FRAME_GLOBAL), Autocontinue: true}
		if home != nil {
			h.Params[4], h.Params[5], h.Params[6] = home.Lat, home.Lon, home.AltM
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
	if fl.homeAtSeq0(uint8(t)) && len(wire) > 0 {
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

// Upload sends one list (mission, fence or rally) of plan items, then by
// default reads it back and compares by meaning. An empty list clears it.
func (f *Fleet) Upload(ctx context.Context, sysid uint8, mt missions.MissionType, items []missions.Item, opt TransferOptions) (TransferReport, error) {
	t, err := wireType(mt)
	rep := TransferReport{MissionType: mt.String(), Items: len(items)}
	if err != nil {
		return rep, err
	}
	start := f.Now()
	rep.Verified, err = f.upload(ctx, sysid, t, items, opt)
	rep.Duration = f.Now().Sub(start)
	f.publishTransfer(sysid, mt, "upload", len(items), rep.Verified, rep.Duration, err)
	return rep, err
}

func (f *Fleet) upload(ctx context.Context, sysid uint8, t common.MAV_MISSION_TYPE, items []missions.Item, opt TransferOptions) (bool, error) {
	if err := checkItems(t, items); err != nil {
		return false, err
	}
	release, err := f.acquire(sysid, "mission")
	if err != nil {
		return false, err
	}
	defer release()
	tg, ib, err := f.attach(ctx, sysid)
	if err != nil {
		return false, err
	}
	defer f.detach(sysid, ib)
	home := opt.Home
	if home == nil && tg.state.Home != nil {
		home = &missions.Position{Lat: tg.state.Home.Lat, Lon: tg.state.Home.Lon, AltM: tg.state.Home.AltM}
	}
	tm := f.timing(tg.rtt)
	if len(items) == 0 {
		if err := f.drive(ctx, ib, newClear(f.sender(sysid), sysid, tg.compid, t, tm)); err != nil {
			return false, err
		}
	} else {
		wire := toWire(tg.flavour, t, items, home)
		up := newUpload(f.sender(sysid), sysid, tg.compid, t, wire, tg.flavour, tm, opt.Progress)
		if err := f.drive(ctx, ib, up); err != nil {
			return false, err
		}
		if up.unacked && opt.NoVerify {
			return false, fmt.Errorf("%w: %s upload: every item was sent but the vehicle never acknowledged it; read the list back to see what it holds", ErrTimeout, typeName(t))
		}
		tm = up.tm // keep what the upload learnt about the round trip
	}
	if opt.NoVerify {
		return false, nil
	}
	down := newDownload(f.sender(sysid), sysid, tg.compid, t, tm, nil).forFlavour(tg.flavour)
	if err := f.drive(ctx, ib, down); err != nil {
		return false, fmt.Errorf("%s uploaded, but the read-back failed, so the vehicle's list is unconfirmed: %w", typeName(t), err)
	}
	got, _ := fromWire(tg.flavour, t, down.items)
	if diff := diffItems(tg.flavour, items, got); diff != "" {
		err := fmt.Errorf("%w: the vehicle holds %d %s items: %s", ErrVerify, len(got), typeName(t), diff)
		if tg.flavour == FlavourArduPilot {
			err = fmt.Errorf("%w: %w", ErrMixedMission, err)
		}
		return false, err
	}
	return true, nil
}

// Download reads one list from the vehicle as plan items (without home);
// for ArduPilot's mission it also returns home.
func (f *Fleet) Download(ctx context.Context, sysid uint8, mt missions.MissionType, p Progress) ([]missions.Item, *missions.Position, error) {
	t, err := wireType(mt)
	if err != nil {
		return nil, nil, err
	}
	start := f.Now()
	items, home, err := f.download(ctx, sysid, t, p)
	f.publishTransfer(sysid, mt, "download", len(items), false, f.Now().Sub(start), err)
	return items, home, err
}

func (f *Fleet) download(ctx context.Context, sysid uint8, t common.MAV_MISSION_TYPE, p Progress) ([]missions.Item, *missions.Position, error) {
	release, err := f.acquire(sysid, "mission")
	if err != nil {
		return nil, nil, err
	}
	defer release()
	tg, ib, err := f.attach(ctx, sysid)
	if err != nil {
		return nil, nil, err
	}
	defer f.detach(sysid, ib)
	down := newDownload(f.sender(sysid), sysid, tg.compid, t, f.timing(tg.rtt), p).forFlavour(tg.flavour)
	if err := f.drive(ctx, ib, down); err != nil {
		return nil, nil, err
	}
	items, home := fromWire(tg.flavour, t, down.items)
	return items, home, nil
}

// Clear empties one list on the vehicle.
func (f *Fleet) Clear(ctx context.Context, sysid uint8, mt missions.MissionType) error {
	t, err := wireType(mt)
	if err != nil {
		return err
	}
	start := f.Now()
	err = func() error {
		release, err := f.acquire(sysid, "mission")
		if err != nil {
			return err
		}
		defer release()
		tg, ib, err := f.attach(ctx, sysid)
		if err != nil {
			return err
		}
		defer f.detach(sysid, ib)
		return f.drive(ctx, ib, newClear(f.sender(sysid), sysid, tg.compid, t, f.timing(tg.rtt)))
	}()
	f.publishTransfer(sysid, mt, "clear", 0, false, f.Now().Sub(start), err)
	return err
}

// SetCurrent makes plan item index (0 = first item, without home) current.
func (f *Fleet) SetCurrent(ctx context.Context, sysid uint8, index int) error {
	tg, ib, err := f.attach(ctx, sysid)
	if err != nil {
		return err
	}
	defer f.detach(sysid, ib)
	seq := index
	if tg.flavour.homeAtSeq0(0) {
		seq++
	}
	if index < 0 || seq > math.MaxUint16 {
		return fmt.Errorf("%w: mission item %d does not exist", ErrBadInput, index)
	}
	return f.drive(ctx, ib, newSetCurrent(f.sender(sysid), sysid, tg.compid, uint16(seq), f.timing(tg.rtt)))
}

func (f *Fleet) publishTransfer(sysid uint8, mt missions.MissionType, dir string, n int, verified bool, d time.Duration, err error) {
	ev := telemetry.TransferResult{EventHeader: telemetry.EventHeader{Time: f.Now(), SystemID: sysid},
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
	Verified bool             `json:"verified"`
	Mission  TransferReport   `json:"mission"`
	Fence    TransferReport   `json:"fence"`
	Rally    TransferReport   `json:"rally"`
	Duration time.Duration    `json:"duration_ns"`
	Lists    []TransferReport `json:"-"`
}

// UploadPlan uploads a plan's mission, fence and rally points (in that order,
// as QGroundControl does), each verified by read-back unless opted out. The
// vehicle then holds exactly the plan: an empty list clears the vehicle's.
// On error, the message says which lists the vehicle holds now.
func (f *Fleet) UploadPlan(ctx context.Context, sysid uint8, p *missions.Plan, opt TransferOptions) (PlanReport, error) {
	var rep PlanReport
	start := f.Now()
	if opt.Home == nil {
		opt.Home = p.Home
	}
	// Check every list before sending any, so that a bad fence does not
	// leave the vehicle with the new mission and the old fence.
	for _, mt := range []missions.MissionType{missions.TypeMission, missions.TypeFence, missions.TypeRally} {
		if err := checkItems(common.MAV_MISSION_TYPE(mt), p.Items(mt)); err != nil {
			return rep, fmt.Errorf("nothing was sent, the vehicle's plan is unchanged: %w", err)
		}
	}
	done := []string{}
	for _, mt := range []missions.MissionType{missions.TypeMission, missions.TypeFence, missions.TypeRally} {
		if lp := opt.ListProgress; lp != nil {
			opt.Progress = func(done, total int) { lp(mt, done, total) }
		}
		r, err := f.Upload(ctx, sysid, mt, p.Items(mt), opt)
		switch mt {
		case missions.TypeMission:
			rep.Mission = r
		case missions.TypeFence:
			rep.Fence = r
		case missions.TypeRally:
			rep.Rally = r
		}
		if err != nil {
			rep.Duration = f.Now().Sub(start)
			held := "nothing of this plan"
			if len(done) > 0 {
				held = fmt.Sprintf("this plan's %v", done)
			}
			return rep, fmt.Errorf("%s upload failed; the vehicle holds %s (verified) and its %s list is uncertain: %w", mt, held, mt, err)
		}
		if r.Verified || opt.NoVerify {
			done = append(done, mt.String())
		}
	}
	rep.Verified = !opt.NoVerify && rep.Mission.Verified && rep.Fence.Verified && rep.Rally.Verified
	rep.Duration = f.Now().Sub(start)
	return rep, nil
}

// DownloadPlan reads the vehicle's mission, fence and rally points as a plan.
func (f *Fleet) DownloadPlan(ctx context.Context, sysid uint8) (*missions.Plan, error) {
	mission, home, err := f.Download(ctx, sysid, missions.TypeMission, nil)
	if err != nil {
		return nil, err
	}
	fence, _, err := f.Download(ctx, sysid, missions.TypeFence, nil)
	if err != nil {
		return nil, err
	}
	rally, _, err := f.Download(ctx, sysid, missions.TypeRally, nil)
	if err != nil {
		return nil, err
	}
	p, err := missions.PlanFromItems(mission, fence, rally)
	if err != nil {
		return nil, fmt.Errorf("the vehicle's lists do not form a plan: %w", err)
	}
	if home != nil && (home.Lat != 0 || home.Lon != 0) {
		p.Home = home
	} else if v, ok, _ := f.Vehicle(ctx, sysid); ok && v.Home != nil {
		p.Home = &missions.Position{Lat: v.Home.Lat, Lon: v.Home.Lon, AltM: v.Home.AltM}
	}
	if v, ok, _ := f.Vehicle(ctx, sysid); ok {
		switch v.Autopilot {
		case "ardupilot":
			p.Vehicle.FirmwareType = missions.FirmwareArduPilot
		case "px4":
			p.Vehicle.FirmwareType = missions.FirmwarePX4
		}
	}
	return p, nil
}
