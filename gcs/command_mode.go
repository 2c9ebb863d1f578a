package gcs

import (
	"fmt"
	"github.com/borderwatch/borderwatch/mavlink/decode"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// modeSession sets a flight mode and believes it only when the vehicle's
// HEARTBEAT shows it. An ACK alone is not the truth: PX4 (v1.17, observed)
// answers DO_SET_MODE at once with ACCEPTED and then with its real result,
// e.g. TEMPORARILY_REJECTED and a STATUSTEXT "Switching to … is currently
// not available" (src/modules/commander/Commander.cpp checks the mode only
// after the command was acknowledged). So the last answer counts, and the
// heartbeat decides.
type modeSession struct {
	cmd        *commandSession
	want       string
	confirming bool // the command was accepted: waiting for the heartbeat
	grace      bool // a late refusal arrived: waiting briefly for its STATUSTEXT
	seen       string
	due        time.Time
	done       bool
	err        error
}

// modeConfirmWait bounds the wait for a HEARTBEAT that shows the new mode:
// two heartbeat periods (1 Hz on both autopilots) and a round trip.
func modeConfirmWait(tm timing) time.Duration { return max(2500*time.Millisecond, tm.general()) }

func newModeSession(cmd *commandSession, want string) *modeSession {
	return &modeSession{cmd: cmd, want: strings.ToUpper(strings.TrimSpace(want))}
}

func (s *modeSession) start(now time.Time) { s.cmd.start(now) }

func (s *modeSession) handle(msg message.Message, now time.Time) {
	if s.done {
		return
	}
	if hb, ok := msg.(*common.MessageHeartbeat); ok {
		s.seen = ModeName(hb.Autopilot, hb.Type, hb.BaseMode, hb.CustomMode)
		if s.confirming && !s.grace && s.seen == s.want {
			s.done = true
		}
		return
	}
	if !s.confirming {
		s.cmd.handle(msg, now)
		s.afterCommand(now)
		return
	}
	switch m := msg.(type) {
	case *common.MessageStatustext:
		if m.Severity <= common.MAV_SEVERITY_WARNING {
			s.cmd.res.StatusTexts = append(s.cmd.res.StatusTexts, cleanText(m.Text))
		}
	case *common.MessageCommandAck:
		if m.Command != s.cmd.cmd.Command || s.grace {
			return
		}
		switch m.Result {
		case common.MAV_RESULT_ACCEPTED, common.MAV_RESULT_IN_PROGRESS:
			return // a repeat of the first answer: the heartbeat still decides
		}
		// The later answer is the real one.
		s.cmd.res.Result, s.cmd.res.Status = m.Result, resultText(m.Result)
		s.grace = true
		s.due = now.Add(statusGrace)
	}
}

// afterCommand moves on once the command session has its answer.
func (s *modeSession) afterCommand(now time.Time) {
	if !s.cmd.finished() {
		return
	}
	if s.cmd.err != nil {
		s.done, s.err = true, s.cmd.err
		return
	}
	s.confirming = true
	s.due = now.Add(modeConfirmWait(s.cmd.tm))
}

func (s *modeSession) timeout(now time.Time) {
	if s.done {
		return
	}
	if !s.confirming {
		s.cmd.timeout(now)
		s.afterCommand(now)
		return
	}
	s.done = true
	if s.grace {
		s.err = &CommandError{Command: s.cmd.cmd.Command, Result: s.cmd.res.Result, Texts: s.cmd.res.StatusTexts}
		return
	}
	seen := s.seen
	if seen == "" {
		seen = "no heartbeat at all"
	}
	s.err = fmt.Errorf("%w: mode %s: the vehicle acknowledged DO_SET_MODE, but its HEARTBEAT still shows %s after %s (the vehicle's last words: %s)",
		ErrTimeout, s.want, seen, modeConfirmWait(s.cmd.tm), lastWords(s.cmd.res.StatusTexts))
}

func (s *modeSession) abort(now time.Time) {
	if !s.done {
		s.cmd.abort(now)
		s.done, s.err = true, s.cmd.err
		if s.confirming {
			s.err = fmt.Errorf("%w: mode %s: stopped waiting for the vehicle's heartbeat to show it", ErrCancelled, s.want)
		}
	}
}

func (s *modeSession) deadline() time.Time {
	if s.confirming {
		return s.due
	}
	return s.cmd.deadline()
}
func (s *modeSession) finished() bool { return s.done }
func (s *modeSession) result() error  { return s.err }

// cleanText is the shared decoder's STATUSTEXT cleaning (decode.CleanText).
func cleanText(s string) string { return decode.CleanText(s) }

// heartbeatWait waits, up to a deadline, for the vehicle's next HEARTBEAT
// that satisfies ok: the truth about its mode and arming, which can lag the
// COMMAND_ACK of the command that changed them by up to a heartbeat period.
type heartbeatWait struct {
	ok   func(*common.MessageHeartbeat) bool
	wait time.Duration
	due  time.Time
	seen bool // a heartbeat satisfied ok
	done bool
}

func (s *heartbeatWait) start(now time.Time) { s.due = now.Add(s.wait) }
func (s *heartbeatWait) handle(msg message.Message, _ time.Time) {
	if hb, ok := msg.(*common.MessageHeartbeat); ok && !s.done && s.ok(hb) {
		s.seen, s.done = true, true
	}
}
func (s *heartbeatWait) timeout(time.Time)   { s.done = true }
func (s *heartbeatWait) abort(time.Time)     { s.done = true }
func (s *heartbeatWait) deadline() time.Time { return s.due }
func (s *heartbeatWait) finished() bool      { return s.done }
func (s *heartbeatWait) result() error       { return nil }
