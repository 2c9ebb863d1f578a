package gcs

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// Param is one vehicle parameter.
type Param struct {
	Name  string                `json:"name"`
	Value float64               `json:"value"`
	Type  common.MAV_PARAM_TYPE `json:"-"`
	Index int                   `json:"index"`
}

// paramUnsolicited is PARAM_VALUE's index for a value sent on the vehicle's own
// initiative (after a change in flight), outside any list.
const paramUnsolicited = 65535

func paramName(s string) string { return strings.TrimRight(s, "\x00") }

func paramFrom(f Flavour, m *common.MessageParamValue) Param {
	return Param{Name: paramName(m.ParamId), Value: decodeParam(f, m.ParamValue, m.ParamType), Type: m.ParamType, Index: int(m.ParamIndex)}
}

// paramListSession reads every parameter: PARAM_REQUEST_LIST, then the values
// as the vehicle streams them; after a pause, the missing ones one by one.
type paramListSession struct {
	send      sender
	sys, comp uint8
	flavour   Flavour
	tm        timing
	progress  Progress

	total     int
	got       map[int]Param
	lastMoved time.Time
	due       time.Time
	done      bool
	err       error
}

// paramBatch bounds how many missing parameters are asked for at once, so a
// slow radio is not flooded.
const paramBatch = 8

func newParamList(send sender, sys, comp uint8, f Flavour, tm timing, p Progress) *paramListSession {
	return &paramListSession{send: send, sys: sys, comp: comp, flavour: f, tm: tm, progress: p, total: -1, got: map[int]Param{}}
}

func (s *paramListSession) start(now time.Time) {
	s.lastMoved = now
	s.send(&common.MessageParamRequestList{TargetSystem: s.sys, TargetComponent: s.comp})
	s.due = now.Add(s.tm.general())
}

func (s *paramListSession) handle(msg message.Message, now time.Time) {
	m, ok := msg.(*common.MessageParamValue)
	if !ok || s.done || m.ParamIndex == paramUnsolicited {
		return
	}
	s.total = int(m.ParamCount)
	if _, dup := s.got[int(m.ParamIndex)]; !dup && int(m.ParamIndex) < s.total {
		s.got[int(m.ParamIndex)] = paramFrom(s.flavour, m)
		s.lastMoved = now
		if s.progress != nil {
			s.progress(len(s.got), s.total)
		}
	}
	s.due = now.Add(s.tm.general())
	if len(s.got) >= s.total {
		s.done = true
	}
}

func (s *paramListSession) timeout(now time.Time) {
	if s.done {
		return
	}
	if now.Sub(s.lastMoved) >= s.tm.stall() {
		s.done = true
		s.err = fmt.Errorf("%w: parameter list: %d of %d received, then nothing for %s", ErrTimeout, len(s.got), max(s.total, 0), s.tm.stall())
		return
	}
	if s.total < 0 {
		s.send(&common.MessageParamRequestList{TargetSystem: s.sys, TargetComponent: s.comp})
	} else {
		n := 0
		for i := 0; i < s.total && n < paramBatch; i++ {
			if _, ok := s.got[i]; !ok {
				s.send(&common.MessageParamRequestRead{TargetSystem: s.sys, TargetComponent: s.comp, ParamIndex: int16(i)})
				n++
			}
		}
	}
	s.due = now.Add(s.tm.general())
}

func (s *paramListSession) abort(time.Time) {
	if !s.done {
		s.done = true
		s.err = fmt.Errorf("%w: parameter list stopped by the caller after %d of %d", ErrCancelled, len(s.got), max(s.total, 0))
	}
}

func (s *paramListSession) params() []Param {
	out := make([]Param, 0, len(s.got))
	for _, p := range s.got {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Param) int { return a.Index - b.Index })
	return out
}

func (s *paramListSession) deadline() time.Time { return s.due }
func (s *paramListSession) finished() bool      { return s.done }
func (s *paramListSession) result() error       { return s.err }

// paramSession reads one parameter (set == false) or sets it and waits for the
// PARAM_VALUE that confirms the new value.
type paramSession struct {
	send      sender
	sys, comp uint8
	flavour   Flavour
	tm        timing
	name      string
	set       bool
	value     float64
	ptype     common.MAV_PARAM_TYPE

	attempts int
	last     *Param // the last value heard for name
	due      time.Time
	done     bool
	err      error
}

func newParamRead(send sender, sys, comp uint8, f Flavour, name string, tm timing) *paramSession {
	return &paramSession{send: send, sys: sys, comp: comp, flavour: f, tm: tm, name: name}
}

func newParamSet(send sender, sys, comp uint8, f Flavour, name string, v float64, t common.MAV_PARAM_TYPE, tm timing) *paramSession {
	return &paramSession{send: send, sys: sys, comp: comp, flavour: f, tm: tm, name: name, set: true, value: v, ptype: t}
}

func (s *paramSession) start(now time.Time) { s.sendOnce(now) }

func (s *paramSession) sendOnce(now time.Time) {
	if s.set {
		s.send(&common.MessageParamSet{TargetSystem: s.sys, TargetComponent: s.comp, ParamId: s.name,
			ParamValue: encodeParam(s.flavour, s.value, s.ptype), ParamType: s.ptype})
	} else {
		s.send(&common.MessageParamRequestRead{TargetSystem: s.sys, TargetComponent: s.comp, ParamId: s.name, ParamIndex: -1})
	}
	s.attempts++
	s.due = now.Add(s.tm.general())
}

// sameValue compares at the precision PARAM_VALUE carries (a float32).
func sameValue(a, b float64) bool {
	return float32(a) == float32(b) || math.Abs(a-b) <= 1e-6*math.Max(math.Abs(a), math.Abs(b))
}

func (s *paramSession) handle(msg message.Message, now time.Time) {
	m, ok := msg.(*common.MessageParamValue)
	if !ok || s.done || paramName(m.ParamId) != s.name {
		return
	}
	p := paramFrom(s.flavour, m)
	s.last = &p
	if !s.set || sameValue(p.Value, s.value) {
		s.done = true
	}
	// A different value may be one sent before our PARAM_SET arrived: keep waiting.
}

func (s *paramSession) timeout(now time.Time) {
	if s.done {
		return
	}
	if s.attempts > commandRetries+2 {
		s.done = true
		switch {
		case s.set && s.last != nil:
			s.err = fmt.Errorf("%w: set %s = %g: the vehicle keeps %s = %g (out of range or read-only?)", ErrRejected, s.name, s.value, s.name, s.last.Value)
		case s.set:
			s.err = fmt.Errorf("%w: set %s: no PARAM_VALUE after %d attempts", ErrTimeout, s.name, s.attempts)
		default:
			s.err = fmt.Errorf("%w: read %s: no PARAM_VALUE after %d attempts (does the vehicle have this parameter?)", ErrTimeout, s.name, s.attempts)
		}
		return
	}
	s.sendOnce(now)
}

func (s *paramSession) abort(time.Time) {
	if !s.done {
		s.done = true
		s.err = fmt.Errorf("%w: parameter %s stopped by the caller", ErrCancelled, s.name)
	}
}

func (s *paramSession) deadline() time.Time { return s.due }
func (s *paramSession) finished() bool      { return s.done }
func (s *paramSession) result() error       { return s.err }
