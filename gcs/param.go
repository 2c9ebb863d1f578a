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

// paramHashCheck is the PARAM_VALUE PX4 sends after its list with index
// 65535: a checksum of the list (src/modules/mavlink/mavlink_parameters.cpp,
// HASH_PARAM "_HASH_CHECK"), not a parameter.
const paramHashCheck = "_HASH_CHECK"

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
	if !ok || s.done || m.ParamIndex == paramUnsolicited || paramName(m.ParamId) == paramHashCheck {
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

// paramSession reads one parameter (set == false) or sets it and takes the
// vehicle's answer: the PARAM_VALUE it sends back holds what it stored,
// which may be the request rounded or limited to the parameter's type
// (ArduPilot: AP_Param::set_float truncates integers after adding 0.01 and
// constrains them to the type's range) or the old value when it refused.
type paramSession struct {
	send      sender
	sys, comp uint8
	flavour   Flavour
	tm        timing
	name      string
	set       bool
	value     float64
	ptype     common.MAV_PARAM_TYPE
	old       float64 // the value before a set (NaN: unknown)

	attempts int
	last     *Param // the last value heard for name since the first send
	settling bool   // a different value came back: waiting briefly for another
	due      time.Time
	done     bool
	err      error
}

// paramReadAttempts bounds a read by name: both autopilots stay silent about
// names they do not have, so silence after the usual retries means "no such
// parameter", not a slow link (mavlink.io: 3 retries).
const paramReadAttempts = commandRetries + 1

// paramSetAttempts bounds a set: a lost PARAM_SET or PARAM_VALUE is resent,
// and a vehicle that answers with its old value twice has refused.
const paramSetAttempts = commandRetries + 1

func newParamRead(send sender, sys, comp uint8, f Flavour, name string, tm timing) *paramSession {
	return &paramSession{send: send, sys: sys, comp: comp, flavour: f, tm: tm, name: name, old: math.NaN()}
}

// newParamSet sets name to v; old is its value before (NaN when unknown), to
// tell a refusal (the old value comes back) from a rounding.
func newParamSet(send sender, sys, comp uint8, f Flavour, name string, v float64, t common.MAV_PARAM_TYPE, old float64, tm timing) *paramSession {
	if f.ParamBytewise() && isIntParam(t) {
		v = math.Round(v) // PX4 takes integers bit for bit: the GCS rounds
	}
	return &paramSession{send: send, sys: sys, comp: comp, flavour: f, tm: tm, name: name, set: true, value: v, ptype: t, old: old}
}

func isIntParam(t common.MAV_PARAM_TYPE) bool {
	switch t {
	case common.MAV_PARAM_TYPE_REAL32, common.MAV_PARAM_TYPE_REAL64:
		return false
	}
	return true
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
	s.settling = false
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
		return
	}
	// A different value: the vehicle's rounding or refusal, or a value it
	// sent before our PARAM_SET arrived. Wait a moment for a later one.
	if !s.settling {
		s.settling = true
		s.due = now.Add(s.tm.item())
	}
}

func (s *paramSession) timeout(now time.Time) {
	if s.done {
		return
	}
	if s.settling {
		v := s.last.Value
		kept := !math.IsNaN(s.old) && sameValue(v, s.old)
		if kept && s.attempts < 2 {
			s.sendOnce(now) // perhaps our PARAM_SET was lost: once more
			return
		}
		s.done = true
		if kept || (math.IsNaN(s.old) && !s.rounded(v)) {
			s.err = fmt.Errorf("%w: set %s = %g: the vehicle keeps %s = %g (out of range or read-only?)", ErrRejected, s.name, s.value, s.name, v)
		}
		return // it stored its own version of the value: that is the answer
	}
	if s.set && s.attempts >= paramSetAttempts || !s.set && s.attempts >= paramReadAttempts {
		s.done = true
		if s.set {
			s.err = fmt.Errorf("%w: set %s: no PARAM_VALUE after %d attempts", ErrTimeout, s.name, s.attempts)
		} else {
			s.err = fmt.Errorf("%w: %s: no answer to %d reads by name; ArduPilot and PX4 stay silent about names they do not have (names are upper case, e.g. FENCE_ENABLE)",
				ErrNoParam, s.name, s.attempts)
		}
		return
	}
	s.sendOnce(now)
}

// rounded reports whether v is what an autopilot makes of the requested
// value for an integer parameter: truncated or rounded to an integer, or
// limited to the type's range.
func (s *paramSession) rounded(v float64) bool {
	if !isIntParam(s.ptype) {
		return false
	}
	if math.Abs(v-s.value) < 1 {
		return true
	}
	lo, hi := intParamRange(s.ptype)
	return (s.value < lo && v == lo) || (s.value > hi && v == hi)
}

func intParamRange(t common.MAV_PARAM_TYPE) (lo, hi float64) {
	switch t {
	case common.MAV_PARAM_TYPE_INT8:
		return math.MinInt8, math.MaxInt8
	case common.MAV_PARAM_TYPE_UINT8:
		return 0, math.MaxUint8
	case common.MAV_PARAM_TYPE_INT16:
		return math.MinInt16, math.MaxInt16
	case common.MAV_PARAM_TYPE_UINT16:
		return 0, math.MaxUint16
	case common.MAV_PARAM_TYPE_UINT32:
		return 0, math.MaxUint32
	}
	return math.MinInt32, math.MaxInt32
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
