package telemetry

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// FrameSource reads stored frames; the store provides one per stream
// (store.Store.Source). Frames handed to fn may be kept.
type FrameSource interface {
	// ReadFrames calls fn with the frames of systems (every system when
	// empty) received in [from, to), in time order, until fn returns false.
	ReadFrames(systems []VehicleID, from, to time.Time, fn func(Frame) bool) error
	// LastBefore returns, for each of systems (every system when empty) that
	// has one, the time of its last frame before t.
	LastBefore(systems []VehicleID, t time.Time) (map[VehicleID]time.Time, error)
}

// Speed limits of a Player.
const (
	MinSpeed = 0.1
	MaxSpeed = 100
)

// ErrSpeed means a replay speed outside MinSpeed-MaxSpeed.
var ErrSpeed = errors.New("telemetry: replay speed must be between 0.1 and 100")

// playerBatch is how many frames a Player reads at once: enough for a
// second of a busy fleet, little enough to keep memory flat.
const playerBatch = 4096

// Player replays stored frames of a time window and a set of systems on its
// own clock: play, pause, seek, speed, step. It emits the stored frames; the
// caller decodes them through the live decode path (gcs.VehicleState.Apply).
//
// A Player is owned by one goroutine (the replay stream's): it has no locks.
// Its clock is Now, so tests drive it without sleeping.
type Player struct {
	Source FrameSource
	// (optional) Systems to replay. Defaults to every system of the source.
	Systems []VehicleID
	// From and To bound the replay, [From, To).
	From, To time.Time
	// (optional) Now is the player's wall clock. Defaults to time.Now.
	Now func() time.Time
	// (optional) Warmup: after a seek, each system's frames from this long
	// before its last frame before the new position are emitted at once, so
	// that every vehicle shows the state the log has for it at that time (its
	// last position, mode, battery …), even one that was silent for hours.
	// Defaults to 30 s.
	Warmup time.Duration
	// (optional) MaxGap: while playing, a stretch of the log without frames
	// longer than this (a link loss, a server restart) is skipped rather than
	// waited through. Defaults to 5 s of log time.
	MaxGap time.Duration

	pos     time.Time // log time at anchor
	anchor  time.Time // wall time when pos was set
	speed   float64
	playing bool

	buf    []Frame
	bi     int
	cursor time.Time // frames before cursor, and skip frames at it, have been read
	skip   int
	eof    bool
	warm   bool // the warm-up frames before cursor are still to be read
}

// Initialize checks the window and positions the player at From, paused, at 1×.
func (p *Player) Initialize() error {
	if p.Source == nil {
		return errors.New("telemetry: Player needs a Source")
	}
	if p.To.IsZero() || !p.From.Before(p.To) {
		return fmt.Errorf("telemetry: replay window [%v, %v) is empty", p.From, p.To)
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Warmup == 0 {
		p.Warmup = 30 * time.Second
	}
	if p.MaxGap == 0 {
		p.MaxGap = 5 * time.Second
	}
	p.speed = 1
	p.Seek(p.From)
	return nil
}

// Position is the replay clock: the log time being shown.
func (p *Player) Position() time.Time {
	if !p.playing {
		return p.pos
	}
	t := p.pos.Add(time.Duration(float64(p.Now().Sub(p.anchor)) * p.speed))
	if t.After(p.To) {
		t = p.To
	}
	return t
}

// Playing reports whether the clock runs.
func (p *Player) Playing() bool { return p.playing }

// Speed is the replay speed (1 is real time).
func (p *Player) Speed() float64 { return p.speed }

// Ended reports whether every frame of the window has been emitted.
func (p *Player) Ended() bool { return p.eof && p.bi >= len(p.buf) && !p.Position().Before(p.To) }

func (p *Player) reanchor(pos time.Time) {
	p.pos, p.anchor = pos, p.Now()
}

// Play starts (or resumes) the clock.
func (p *Player) Play() {
	p.reanchor(p.Position())
	p.playing = true
}

// Pause stops the clock.
func (p *Player) Pause() {
	p.reanchor(p.Position())
	p.playing = false
}

// SetSpeed changes the speed from now on.
func (p *Player) SetSpeed(x float64) error {
	if !(x >= MinSpeed && x <= MaxSpeed) {
		return fmt.Errorf("%w, got %v", ErrSpeed, x)
	}
	p.reanchor(p.Position())
	p.speed = x
	return nil
}

// Seek moves the clock to t (clamped to the window). The next Poll emits the
// Warmup frames before t at once, then goes on from t.
func (p *Player) Seek(t time.Time) {
	if t.Before(p.From) {
		t = p.From
	}
	if t.After(p.To) {
		t = p.To
	}
	p.reanchor(t)
	clear(p.buf)
	p.buf, p.bi = p.buf[:0], 0
	p.cursor, p.skip, p.eof, p.warm = t, 0, false, true
}

// warmUp reads each system's frames before the cursor (see Warmup).
func (p *Player) warmUp() error {
	p.warm = false
	last, err := p.Source.LastBefore(p.Systems, p.cursor)
	if err != nil {
		return fmt.Errorf("replay: seek: %w", err)
	}
	for id, t := range last {
		if t.Before(p.From) {
			continue
		}
		from := t.Add(-p.Warmup)
		if from.Before(p.From) {
			from = p.From
		}
		err := p.Source.ReadFrames([]VehicleID{id}, from, p.cursor, func(f Frame) bool {
			p.buf = append(p.buf, f)
			return true
		})
		if err != nil {
			return fmt.Errorf("replay: seek: %w", err)
		}
	}
	slices.SortStableFunc(p.buf, func(a, b Frame) int { return a.Time.Compare(b.Time) })
	return nil
}

// peek returns the next unread frame, reading a batch when needed.
func (p *Player) peek() (*Frame, error) {
	if p.warm {
		if err := p.warmUp(); err != nil {
			return nil, err
		}
	}
	if p.bi < len(p.buf) {
		return &p.buf[p.bi], nil
	}
	if p.eof {
		return nil, nil
	}
	clear(p.buf)
	p.buf, p.bi = p.buf[:0], 0
	skip := p.skip
	err := p.Source.ReadFrames(p.Systems, p.cursor, p.To, func(f Frame) bool {
		if skip > 0 && f.Time.Equal(p.cursor) {
			skip--
			return true
		}
		p.buf = append(p.buf, f)
		return len(p.buf) < playerBatch
	})
	if err != nil {
		return nil, fmt.Errorf("replay: read frames: %w", err)
	}
	if len(p.buf) < playerBatch {
		p.eof = true
	}
	if len(p.buf) == 0 {
		return nil, nil
	}
	// Remember how many frames share the last time, to resume after them.
	last := p.buf[len(p.buf)-1].Time
	same := 0
	for i := len(p.buf) - 1; i >= 0 && p.buf[i].Time.Equal(last); i-- {
		same++
	}
	if last.Equal(p.cursor) {
		p.skip += same
	} else {
		p.cursor, p.skip = last, same
	}
	return &p.buf[0], nil
}

// Poll emits, in time order, every frame due by the replay clock, and returns
// the clock. Call it from the owning goroutine as often as the display needs.
func (p *Player) Poll(emit func(Frame)) (time.Time, error) {
	pos := p.Position()
	for {
		f, err := p.peek()
		if err != nil {
			return pos, err
		}
		if f == nil {
			if p.playing && !pos.Before(p.To) {
				p.playing = false
				p.reanchor(p.To)
			}
			return pos, nil
		}
		if f.Time.After(pos) {
			// A gap longer than MaxGap is skipped: jump to the next frame.
			if p.playing && f.Time.Sub(pos) > p.MaxGap {
				p.reanchor(f.Time)
				pos = f.Time
				continue
			}
			return pos, nil
		}
		emit(*f)
		p.bi++
	}
}

// Step pauses, then emits the next frame and moves the clock to its time.
// It reports false at the end of the window.
func (p *Player) Step(emit func(Frame)) (bool, error) {
	p.Pause()
	// Frames already due are emitted first, so a step never skips any.
	if _, err := p.Poll(emit); err != nil {
		return false, err
	}
	f, err := p.peek()
	if err != nil || f == nil {
		return false, err
	}
	p.reanchor(f.Time)
	emit(*f)
	p.bi++
	return true, nil
}
