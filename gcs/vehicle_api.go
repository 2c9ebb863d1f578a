package gcs

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/telemetry"
)

// target is what a session needs to know about its vehicle.
type target struct {
	vid         telemetry.VehicleID
	compid      uint8
	flavour     Flavour
	vehicleType string
	rtt         time.Duration
	state       VehicleState
}

// attach registers an inbox for vid's protocol replies and returns the
// vehicle's details; detach (deferred) unregisters it.
func (f *Fleet) attach(ctx context.Context, vid telemetry.VehicleID) (target, *inbox, error) {
	return f.attachInbox(ctx, vid, &inbox{ch: make(chan message.Message, inboxLen)})
}

// attachCommand is attach for a command session, which reads only
// COMMAND_ACK and STATUSTEXT: a small inbox that the vehicle's heartbeats
// and mission traffic do not wake.
func (f *Fleet) attachCommand(ctx context.Context, vid telemetry.VehicleID) (target, *inbox, error) {
	return f.attachInbox(ctx, vid, &inbox{ch: make(chan message.Message, commandInboxLen), commandOnly: true})
}

func (f *Fleet) attachInbox(ctx context.Context, vid telemetry.VehicleID, ib *inbox) (target, *inbox, error) {
	var t target
	found := false
	err := f.do(ctx, func() {
		v := f.vehicles[vid]
		if v == nil {
			return
		}
		found = true
		v.inboxes[ib] = struct{}{}
		t = target{vid: vid, compid: v.compid, flavour: v.flavour, vehicleType: v.state.VehicleType, rtt: v.rtt, state: v.snapshot()}
	})
	if err != nil {
		return t, nil, err
	}
	if !found {
		return t, nil, fmt.Errorf("%w: no vehicle %d has been heard (ids are network × 256 + system id)", ErrNoVehicle, vid)
	}
	return t, ib, nil
}

func (f *Fleet) detach(vid telemetry.VehicleID, ib *inbox) {
	_ = f.do(context.Background(), func() {
		if v := f.vehicles[vid]; v != nil {
			delete(v.inboxes, ib)
		}
	})
}

// sampleRTT feeds a measured command round trip into the vehicle's estimate.
func (f *Fleet) sampleRTT(vid telemetry.VehicleID, d time.Duration) {
	_ = f.do(context.Background(), func() {
		if v := f.vehicles[vid]; v != nil {
			v.sampleRTT(d)
		}
	})
}

func (f *Fleet) sender(vid telemetry.VehicleID) sender {
	return func(m message.Message) { f.r.send(vid, m) }
}

// drive runs a session to its end with the fleet's clock and real timers.
func (f *Fleet) drive(ctx context.Context, ib *inbox, s session) error {
	s.start(f.Now())
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for !s.finished() {
		d := s.deadline().Sub(f.Now())
		if d <= 0 {
			s.timeout(f.Now())
			continue
		}
		timer.Reset(d)
		select {
		case m := <-ib.ch:
			s.handle(m, f.Now())
		case <-timer.C:
			if now := f.Now(); !now.Before(s.deadline()) {
				s.timeout(now)
			}
		case <-ctx.Done():
			s.abort(f.Now())
			return s.result()
		case <-f.done:
			return fmt.Errorf("%w while talking to the vehicle", ErrClosed)
		}
	}
	return s.result()
}

// acquire reserves one kind of exclusive work on a vehicle (its mission
// protocol, its parameter list): two at once would answer each other's replies.
func (f *Fleet) acquire(vid telemetry.VehicleID, kind string) (func(), error) {
	k := busyKey{vid, kind}
	f.busyMu.Lock()
	defer f.busyMu.Unlock()
	if f.busy[k] {
		return nil, fmt.Errorf("%w: vehicle %d is already running a %s transfer; wait for it to finish", ErrBusy, vid, kind)
	}
	f.busy[k] = true
	return func() {
		f.busyMu.Lock()
		delete(f.busy, k)
		f.busyMu.Unlock()
	}, nil
}

// SendCommand sends one command and returns the vehicle's answer. A refusal
// is a *CommandError carrying the vehicle's explanation (STATUSTEXT).
func (f *Fleet) SendCommand(ctx context.Context, vid telemetry.VehicleID, c Command) (CommandResult, error) {
	t, ib, err := f.attachCommand(ctx, vid)
	if err != nil {
		return CommandResult{}, err
	}
	defer f.detach(vid, ib)
	comp := c.Component
	if comp == 0 {
		comp = t.compid
	}
	s := newCommand(f.sender(vid), vid.SysID(), comp, c, f.timing(t.rtt))
	err = f.drive(ctx, ib, s)
	if s.res.RTT > 0 {
		f.sampleRTT(vid, s.res.RTT)
	}
	return s.res, err
}

func cmdLong(c common.MAV_CMD, p ...float64) Command {
	var cmd Command
	cmd.Command = c
	copy(cmd.Params[:], p)
	return cmd
}

// Arm arms (or disarms) the vehicle; force skips its pre-arm checks (or
// disarms in flight), with the magic number 21196 both autopilots expect.
func (f *Fleet) Arm(ctx context.Context, vid telemetry.VehicleID, arm, force bool) (CommandResult, error) {
	p1, p2 := 0.0, 0.0
	if arm {
		p1 = 1
	}
	if force {
		p2 = 21196
	}
	return f.SendCommand(ctx, vid, cmdLong(common.MAV_CMD_COMPONENT_ARM_DISARM, p1, p2))
}

// Takeoff climbs to altM above home (ArduPilot needs GUIDED and armed).
func (f *Fleet) Takeoff(ctx context.Context, vid telemetry.VehicleID, altM float64) (CommandResult, error) {
	v, err := f.mustVehicle(ctx, vid)
	if err != nil {
		return CommandResult{}, err
	}
	if altM <= 0 || math.IsNaN(altM) || math.IsInf(altM, 0) {
		return CommandResult{}, fmt.Errorf("%w: takeoff altitude must be above 0 m, got %g", ErrBadInput, altM)
	}
	alt := altM
	if v.Autopilot == "px4" {
		if alt, err = px4AMSL(v, altM, "takeoff"); err != nil {
			return CommandResult{}, err
		}
	}
	nan := math.NaN()
	return f.SendCommand(ctx, vid, cmdLong(common.MAV_CMD_NAV_TAKEOFF, 0, 0, 0, nan, nan, nan, alt))
}

// mustVehicle is Vehicle with "never heard" as an error.
func (f *Fleet) mustVehicle(ctx context.Context, vid telemetry.VehicleID) (VehicleState, error) {
	v, ok, err := f.Vehicle(ctx, vid)
	if err != nil {
		return v, err
	}
	if !ok {
		return v, fmt.Errorf("%w: no vehicle %d has been heard (ids are network × 256 + system id)", ErrNoVehicle, vid)
	}
	return v, nil
}

// px4AMSL converts a height above home to the altitude above mean sea level
// PX4 expects: it reads NAV_TAKEOFF's and DO_REPOSITION's param7 as AMSL
// whatever the frame (src/modules/navigator/navigator_main.cpp copies
// VEHICLE_CMD_DO_REPOSITION's param7 into the setpoint's AMSL altitude;
// observed on v1.17: 25 m "above home" sent as is flew a drone at 13 m AMSL
// into the ground). Without a home or a position there is nothing to convert
// from, and sending the height as is would be that same descent: refuse.
func px4AMSL(v VehicleState, relAltM float64, what string) (float64, error) {
	switch {
	case v.Home != nil:
		return v.Home.AltM + relAltM, nil
	case v.HasPosition:
		return v.AltM - v.RelAltM + relAltM, nil
	}
	return 0, fmt.Errorf("%w: %s: PX4 takes this altitude above mean sea level, and vehicle %d has reported neither its home nor its position, "+
		"so %g m above home cannot be converted; wait until it has a position", ErrNotReady, what, v.SysID, relAltM)
}

// SetMode sets a flight mode by its name for the vehicle's autopilot
// (ArduCopter "GUIDED", PX4 "AUTO_MISSION" …) and answers once the vehicle's
// HEARTBEAT shows it: an ACK alone is not trusted (see modeSession).
func (f *Fleet) SetMode(ctx context.Context, vid telemetry.VehicleID, name string) (CommandResult, error) {
	v, err := f.mustVehicle(ctx, vid)
	if err != nil {
		return CommandResult{}, err
	}
	fl := flavourNamed(v.Autopilot)
	p2, p3, err := modeNumbers(fl, v.VehicleType, name)
	if err != nil {
		return CommandResult{}, err
	}
	t, ib, err := f.attach(ctx, vid)
	if err != nil {
		return CommandResult{}, err
	}
	defer f.detach(vid, ib)
	c := newCommand(f.sender(vid), vid.SysID(), t.compid,
		cmdLong(common.MAV_CMD_DO_SET_MODE, float64(common.MAV_MODE_FLAG_CUSTOM_MODE_ENABLED), p2, p3), f.timing(t.rtt))
	s := newModeSession(c, name)
	err = f.drive(ctx, ib, s)
	if c.res.RTT > 0 {
		f.sampleRTT(vid, c.res.RTT)
	}
	return c.res, err
}

// flavourNamed is the Flavour of a VehicleState's Autopilot.
func flavourNamed(autopilot string) Flavour {
	switch autopilot {
	case "ardupilot":
		return FlavourArduPilot
	case "px4":
		return FlavourPX4
	}
	return FlavourGeneric
}

// VehicleModes is what GET /api/v1/vehicles/{id}/modes answers: the modes
// the vehicle's autopilot knows, in its own order.
type VehicleModes struct {
	ID          telemetry.VehicleID `json:"id"`
	SysID       uint8               `json:"sysid"`
	Autopilot   string              `json:"autopilot"`
	VehicleType string              `json:"vehicle_type"`
	Modes       []Mode              `json:"modes"`
}

// Modes lists the flight modes of a vehicle's autopilot (ArduCopter's,
// ArduPlane's or PX4's table, taken from their sources; see modes.go).
func (f *Fleet) Modes(ctx context.Context, vid telemetry.VehicleID) (VehicleModes, error) {
	v, err := f.mustVehicle(ctx, vid)
	if err != nil {
		return VehicleModes{}, err
	}
	return VehicleModes{ID: vid, SysID: vid.SysID(), Autopilot: v.Autopilot, VehicleType: v.VehicleType, Modes: ModesOf(v.Autopilot, v.VehicleType)}, nil
}

// ModesOf lists the modes of an autopilot ("ardupilot", "px4") and vehicle
// type as a vehicle's state names them (never nil): for a vehicle known
// only by its state, such as a station's vehicle at a headquarters.
func ModesOf(autopilot, vehicleType string) []Mode {
	m := slices.Clone(ModeTable(flavourNamed(autopilot), vehicleType))
	if m == nil {
		m = []Mode{}
	}
	return m
}

// RTL returns to launch (ArduPilot: to the nearest rally point).
func (f *Fleet) RTL(ctx context.Context, vid telemetry.VehicleID) (CommandResult, error) {
	return f.SendCommand(ctx, vid, cmdLong(common.MAV_CMD_NAV_RETURN_TO_LAUNCH))
}

// Land lands where the vehicle is.
func (f *Fleet) Land(ctx context.Context, vid telemetry.VehicleID) (CommandResult, error) {
	nan := math.NaN()
	return f.SendCommand(ctx, vid, cmdLong(common.MAV_CMD_NAV_LAND, 0, 0, 0, nan, nan, nan, nan))
}

// Hold makes the vehicle loiter where it is (LOITER; PX4 AUTO_LOITER).
func (f *Fleet) Hold(ctx context.Context, vid telemetry.VehicleID) (CommandResult, error) {
	v, ok, err := f.Vehicle(ctx, vid)
	if err != nil {
		return CommandResult{}, err
	}
	mode := "LOITER"
	if ok && v.Autopilot == "px4" {
		mode = "AUTO_LOITER"
	}
	return f.SetMode(ctx, vid, mode)
}

// MissionStart starts the mission from its first item, and says what the
// vehicle will do, since the autopilots differ on the ground:
//   - a disarmed ArduCopter accepts MISSION_START, switches to AUTO and does
//     nothing, and then refuses to arm in AUTO (ModeAuto::allows_arming):
//     refused here, before sending, with what to do instead;
//   - a disarmed ArduPlane switches to AUTO and flies the mission once armed;
//   - PX4 arms and takes off on MISSION_START, from item 0
//     (Commander.cpp, VEHICLE_CMD_MISSION_START: mode AUTO_MISSION and arm).
func (f *Fleet) MissionStart(ctx context.Context, vid telemetry.VehicleID) (CommandResult, error) {
	v, err := f.mustVehicle(ctx, vid)
	if err != nil {
		return CommandResult{}, err
	}
	if v.Autopilot == "ardupilot" && v.VehicleType != "fixed_wing" && !v.Armed {
		// An arm just acknowledged shows in the next heartbeat: wait for it
		// before concluding the copter is disarmed.
		if v.Armed, err = f.awaitHeartbeat(ctx, vid, func(hb *common.MessageHeartbeat) bool {
			return hb.BaseMode&common.MAV_MODE_FLAG_SAFETY_ARMED != 0
		}); err != nil {
			return CommandResult{}, err
		}
	}
	note := ""
	switch {
	case v.Autopilot == "ardupilot" && v.VehicleType != "fixed_wing" && !v.Armed:
		return CommandResult{}, fmt.Errorf("%w: mission_start: vehicle %d is a disarmed ArduCopter: it would switch to AUTO and do nothing, "+
			"and then refuse to arm in AUTO. Set GUIDED, arm, then mission_start (the mission must begin with a TAKEOFF)", ErrNotReady, vid)
	case v.Autopilot == "ardupilot" && !v.Armed:
		note = "the vehicle is now in AUTO and flies the mission once it is armed"
	case v.Autopilot == "px4" && !v.Armed:
		note = "PX4 arms and takes off on mission_start, flying the mission from its first item"
	case v.Autopilot == "px4":
		note = "PX4 restarts the mission from its first item"
	}
	res, err := f.SendCommand(ctx, vid, cmdLong(common.MAV_CMD_MISSION_START, 0, 0))
	if err == nil {
		res.Note = note
	}
	return res, err
}

// awaitHeartbeat waits (the fleet's clock, up to modeConfirmWait) for a
// HEARTBEAT of the vehicle's autopilot that satisfies ok, and reports
// whether one came.
func (f *Fleet) awaitHeartbeat(ctx context.Context, vid telemetry.VehicleID, ok func(*common.MessageHeartbeat) bool) (bool, error) {
	t, ib, err := f.attach(ctx, vid)
	if err != nil {
		return false, err
	}
	defer f.detach(vid, ib)
	s := &heartbeatWait{ok: ok, wait: modeConfirmWait(f.timing(t.rtt))}
	if err := f.drive(ctx, ib, s); err != nil {
		return false, err
	}
	return s.seen, nil
}

// MissionPause pauses (pause true) or continues the mission. PX4 answers
// DO_PAUSE_CONTINUE with UNSUPPORTED (observed on v1.17): there a pause is
// the mode AUTO_LOITER and continuing is AUTO_MISSION, which resumes at
// the current item.
func (f *Fleet) MissionPause(ctx context.Context, vid telemetry.VehicleID, pause bool) (CommandResult, error) {
	v, err := f.mustVehicle(ctx, vid)
	if err != nil {
		return CommandResult{}, err
	}
	if v.Autopilot == "px4" {
		mode := "AUTO_MISSION"
		if pause {
			mode = "AUTO_LOITER"
		}
		res, err := f.SetMode(ctx, vid, mode)
		if err == nil {
			res.Note = "PX4 has no DO_PAUSE_CONTINUE: switched to " + mode
		}
		return res, err
	}
	p1 := 1.0
	if pause {
		p1 = 0
	}
	return f.SendCommand(ctx, vid, cmdLong(common.MAV_CMD_DO_PAUSE_CONTINUE, p1))
}

// Goto flies to a point (altitude relative to home) with DO_REPOSITION,
// switching the vehicle to its guided mode. ArduPilot honours the command's
// frame, so the height goes as GLOBAL_RELATIVE_ALT; PX4 reads the altitude
// as AMSL whatever the frame, so it is converted and sent as GLOBAL.
func (f *Fleet) Goto(ctx context.Context, vid telemetry.VehicleID, lat, lon, relAltM float64) (CommandResult, error) {
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 || (lat == 0 && lon == 0) {
		return CommandResult{}, fmt.Errorf("%w: goto needs a latitude in [-90, 90] and a longitude in [-180, 180], got %g, %g", ErrBadInput, lat, lon)
	}
	if math.IsNaN(relAltM) || math.IsInf(relAltM, 0) {
		return CommandResult{}, fmt.Errorf("%w: goto needs a finite altitude above home, got %g", ErrBadInput, relAltM)
	}
	v, err := f.mustVehicle(ctx, vid)
	if err != nil {
		return CommandResult{}, err
	}
	alt, frame := relAltM, common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
	if v.Autopilot == "px4" {
		if alt, err = px4AMSL(v, relAltM, "goto"); err != nil {
			return CommandResult{}, err
		}
		frame = common.MAV_FRAME_GLOBAL_INT
	}
	c := cmdLong(common.MAV_CMD_DO_REPOSITION, -1, float64(common.MAV_DO_REPOSITION_FLAGS_CHANGE_MODE), 0, math.NaN(), lat, lon, alt)
	c.Int, c.Frame = true, frame
	return f.SendCommand(ctx, vid, c)
}

// ChangeSpeed sets the ground speed in m/s.
func (f *Fleet) ChangeSpeed(ctx context.Context, vid telemetry.VehicleID, speedMS float64) (CommandResult, error) {
	if speedMS <= 0 || math.IsNaN(speedMS) {
		return CommandResult{}, fmt.Errorf("%w: speed must be above 0 m/s, got %g", ErrBadInput, speedMS)
	}
	return f.SendCommand(ctx, vid, cmdLong(common.MAV_CMD_DO_CHANGE_SPEED, 1, speedMS, -1))
}

// SetMessageInterval asks for message id at hz (0 stops it).
func (f *Fleet) SetMessageInterval(ctx context.Context, vid telemetry.VehicleID, id uint32, hz float64) (CommandResult, error) {
	return f.SendCommand(ctx, vid, messageInterval(id, hz))
}

// px4FenceAction is the GF_ACTION fence_enable sets on a PX4 whose fence
// action is "none": 2, Hold, PX4's own default (src/modules/navigator/
// geofence_params.c).
const px4FenceAction = 2

// SetFenceEnable enables or disables the fence. ArduPilot stores a fence but
// enforces it only once enabled: DO_FENCE_ENABLE switches it at run time
// (without changing FENCE_ENABLE; the state's fence_enabled shows the
// truth). PX4 answers DO_FENCE_ENABLE with UNSUPPORTED and enforces any
// loaded fence with the action in GF_ACTION, so there the parameter is set:
// 0 (none) to disable, PX4's default 2 (Hold) to enable when it was 0.
func (f *Fleet) SetFenceEnable(ctx context.Context, vid telemetry.VehicleID, on bool) (CommandResult, error) {
	v, err := f.mustVehicle(ctx, vid)
	if err != nil {
		return CommandResult{}, err
	}
	if v.Autopilot == "px4" {
		return f.px4FenceEnable(ctx, vid, on)
	}
	p1 := 0.0
	if on {
		p1 = 1
	}
	return f.SendCommand(ctx, vid, cmdLong(common.MAV_CMD_DO_FENCE_ENABLE, p1))
}

func (f *Fleet) px4FenceEnable(ctx context.Context, vid telemetry.VehicleID, on bool) (CommandResult, error) {
	cur, err := f.ReadParam(ctx, vid, "GF_ACTION")
	if err != nil {
		return CommandResult{}, fmt.Errorf("PX4 has no DO_FENCE_ENABLE; reading its fence action GF_ACTION failed: %w", err)
	}
	want := 0.0
	if on {
		if cur.Value != 0 {
			return CommandResult{Status: "accepted", Attempts: 1,
				Note: fmt.Sprintf("PX4 enforces any loaded fence; GF_ACTION is already %g", cur.Value)}, nil
		}
		want = px4FenceAction
	}
	p, err := f.SetParam(ctx, vid, "GF_ACTION", want)
	if err != nil {
		return CommandResult{}, fmt.Errorf("PX4 has no DO_FENCE_ENABLE; setting its fence action GF_ACTION = %g failed: %w", want, err)
	}
	return CommandResult{Status: "accepted", Attempts: 1,
		Note: fmt.Sprintf("PX4 has no DO_FENCE_ENABLE: set GF_ACTION = %g (was %g; 0 none, 2 hold)", p.Value, cur.Value)}, nil
}

// FleetResult is one vehicle's outcome of a fleet command.
type FleetResult struct {
	ID     telemetry.VehicleID `json:"id"`
	SysID  uint8               `json:"sysid"`
	Result CommandResult       `json:"result"`
	Error  string              `json:"error,omitempty"`
	Err    error               `json:"-"`
}

// FleetCommand runs the same command on several vehicles at once and
// returns one result per vehicle, in the order of ids.
func (f *Fleet) FleetCommand(ctx context.Context, ids []telemetry.VehicleID, run func(ctx context.Context, vid telemetry.VehicleID) (CommandResult, error)) []FleetResult {
	out := make([]FleetResult, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := run(ctx, id)
			out[i] = FleetResult{ID: id, SysID: id.SysID(), Result: r, Err: err}
			if err != nil {
				out[i].Error = err.Error()
			}
		}()
	}
	wg.Wait()
	return out
}

// ReadParams reads every parameter, reporting progress, and caches them.
func (f *Fleet) ReadParams(ctx context.Context, vid telemetry.VehicleID, p Progress) ([]Param, error) {
	release, err := f.acquire(vid, "parameter")
	if err != nil {
		return nil, err
	}
	defer release()
	t, ib, err := f.attach(ctx, vid)
	if err != nil {
		return nil, err
	}
	defer f.detach(vid, ib)
	s := newParamList(f.sender(vid), vid.SysID(), t.compid, t.flavour, f.timing(t.rtt), p)
	err = f.drive(ctx, ib, s)
	return s.params(), err
}

// ReadParam reads one parameter. A name the vehicle's complete list (once
// downloaded) does not hold fails at once: both autopilots stay silent about
// unknown names, so asking would only wait out the retries.
func (f *Fleet) ReadParam(ctx context.Context, vid telemetry.VehicleID, name string) (Param, error) {
	if name == "" || len(name) > 16 {
		return Param{}, fmt.Errorf("%w: parameter names are 1-16 characters, got %q", ErrBadInput, name)
	}
	if name == paramHashCheck {
		return Param{}, fmt.Errorf("%w: %s is PX4's checksum of its parameter list, not a parameter", ErrBadInput, name)
	}
	var known, complete bool
	var total int
	if err := f.do(ctx, func() {
		if v := f.vehicles[vid]; v != nil {
			_, known = v.params[name]
			total, complete = v.paramTotal, v.paramTotal > 0 && len(v.params) >= v.paramTotal
		}
	}); err != nil {
		return Param{}, err
	}
	if complete && !known {
		hint := ""
		if up := strings.ToUpper(name); up != name {
			hint = fmt.Sprintf(" (names are upper case: %s?)", up)
		}
		return Param{}, fmt.Errorf("%w: vehicle %d has no parameter %q: its list of %d parameters, all downloaded, does not hold it%s",
			ErrNoParam, vid, name, total, hint)
	}
	t, ib, err := f.attach(ctx, vid)
	if err != nil {
		return Param{}, err
	}
	defer f.detach(vid, ib)
	s := newParamRead(f.sender(vid), vid.SysID(), t.compid, t.flavour, name, f.timing(t.rtt))
	if err := f.drive(ctx, ib, s); err != nil {
		return Param{}, err
	}
	return *s.last, nil
}

// SetParam sets one parameter and returns it as the vehicle stored it: the
// vehicle's answer is the truth, also when it rounded or limited the value
// (Param.Value then differs from value). A vehicle that keeps its old value
// has refused (ErrRejected).
func (f *Fleet) SetParam(ctx context.Context, vid telemetry.VehicleID, name string, value float64) (Param, error) {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return Param{}, fmt.Errorf("%w: parameter %s: value must be a finite number", ErrBadInput, name)
	}
	cached, ok, err := f.cachedParam(ctx, vid, name)
	if err != nil {
		return Param{}, err
	}
	if !ok {
		// The type decides the encoding (PX4 sends integers bit for bit): read it first.
		if cached, err = f.ReadParam(ctx, vid, name); err != nil {
			return Param{}, err
		}
	}
	t, ib, err := f.attach(ctx, vid)
	if err != nil {
		return Param{}, err
	}
	defer f.detach(vid, ib)
	s := newParamSet(f.sender(vid), vid.SysID(), t.compid, t.flavour, name, value, cached.Type, cached.Value, f.timing(t.rtt))
	if err := f.drive(ctx, ib, s); err != nil {
		return Param{}, err
	}
	return *s.last, nil
}

func (f *Fleet) cachedParam(ctx context.Context, vid telemetry.VehicleID, name string) (Param, bool, error) {
	var p Param
	var ok bool
	err := f.do(ctx, func() {
		if v := f.vehicles[vid]; v != nil {
			p, ok = v.params[name]
		}
	})
	return p, ok, err
}

// CachedParams returns the parameters heard from the vehicle so far (from
// reads, sets and the values it sends on its own), ordered by name.
func (f *Fleet) CachedParams(ctx context.Context, vid telemetry.VehicleID) ([]Param, error) {
	var out []Param
	found := false
	err := f.do(ctx, func() {
		v := f.vehicles[vid]
		if v == nil {
			return
		}
		found = true
		out = make([]Param, 0, len(v.params))
		for _, p := range v.params {
			out = append(out, p)
		}
	})
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, fmt.Errorf("%w: no vehicle %d has been heard (ids are network × 256 + system id)", ErrNoVehicle, vid)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
