package gcs

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"
)

// Command is one MAV_CMD for a vehicle (mavlink.io/en/services/command.html).
type Command struct {
	Command common.MAV_CMD
	// Params are param1..param7. For positional commands (Int) Params[4] and
	// Params[5] are latitude and longitude in degrees and Params[6] the altitude.
	Params [7]float64
	// Int sends COMMAND_INT (for anything positional: its x and y are integers,
	// so a position keeps its centimetres); otherwise COMMAND_LONG.
	Int bool
	// (optional) Frame of a COMMAND_INT. Defaults to MAV_FRAME_GLOBAL_RELATIVE_ALT_INT.
	Frame common.MAV_FRAME
	// (optional) Component to address. Defaults to the vehicle's autopilot.
	Component uint8
}

// CommandResult is what the vehicle answered.
type CommandResult struct {
	Result   common.MAV_RESULT `json:"-"`
	Status   string            `json:"result"` // accepted, denied, failed …
	Attempts int               `json:"attempts"`
	// StatusTexts the vehicle sent while the command ran (warnings and worse):
	// ArduPilot explains a refused arm in an "Arm: …" text.
	StatusTexts []string      `json:"status_texts,omitempty"`
	RTT         time.Duration `json:"rtt_ns"`
	// Note tells the operator what the vehicle will do next when the answer
	// alone would mislead (e.g. "the mission starts when the vehicle is
	// armed"), or how a command its autopilot lacks was carried out instead.
	Note string `json:"note,omitempty"`
}

// CommandError is a command the vehicle did not accept.
type CommandError struct {
	Command common.MAV_CMD
	Result  common.MAV_RESULT
	Texts   []string
}

func (e *CommandError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "vehicle refused %s: %s", cmdName(e.Command), resultText(e.Result))
	switch e.Result {
	case common.MAV_RESULT_TEMPORARILY_REJECTED:
		b.WriteString(" (try again in a moment)")
	case common.MAV_RESULT_UNSUPPORTED:
		b.WriteString(" (this vehicle does not implement it)")
	}
	if len(e.Texts) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(e.Texts, "; "))
	}
	return b.String()
}

// Unwrap lets errors.Is match ErrUnsupported or ErrRejected.
func (e *CommandError) Unwrap() error {
	if e.Result == common.MAV_RESULT_UNSUPPORTED {
		return ErrUnsupported
	}
	return ErrRejected
}

func cmdName(c common.MAV_CMD) string {
	return strings.TrimPrefix(c.String(), "MAV_CMD_")
}

func resultText(r common.MAV_RESULT) string {
	return strings.ToLower(strings.TrimPrefix(r.String(), "MAV_RESULT_"))
}

// commandSession sends a command and waits for its COMMAND_ACK, resending (with
// confirmation incremented, for COMMAND_LONG) when the ACK does not come.
type commandSession struct {
	send       sender
	sys, comp  uint8
	cmd        Command
	tm         timing
	maxRetries int

	attempts   int
	sentAt     time.Time
	due        time.Time
	inProgress bool
	grace      bool // a refusal arrived: wait briefly for the STATUSTEXT explaining it
	res        CommandResult
	done       bool
	err        error
}

// commandRetries is the usual number of resends (mavlink.io, QGC).
const commandRetries = 3

// statusGrace is how long a refused command waits for the vehicle's STATUSTEXT,
// which may arrive just after the ACK.
const statusGrace = 250 * time.Millisecond

func newCommand(send sender, sys, comp uint8, c Command, tm timing) *commandSession {
	if c.Int && c.Frame == 0 {
		c.Frame = common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
	}
	return &commandSession{send: send, sys: sys, comp: comp, cmd: c, tm: tm, maxRetries: commandRetries}
}

func (c *commandSession) sendOnce(now time.Time) {
	p := c.cmd.Params
	if c.cmd.Int {
		s := scaleXY(uint8(c.cmd.Frame))
		c.send(&common.MessageCommandInt{TargetSystem: c.sys, TargetComponent: c.comp, Frame: c.cmd.Frame, Command: c.cmd.Command,
			Param1: float32(p[0]), Param2: float32(p[1]), Param3: float32(p[2]), Param4: float32(p[3]),
			X: toInt32(p[4] * s), Y: toInt32(p[5] * s), Z: float32(p[6])})
	} else {
		c.send(&common.MessageCommandLong{TargetSystem: c.sys, TargetComponent: c.comp, Command: c.cmd.Command,
			Confirmation: uint8(c.attempts),
			Param1:       float32(p[0]), Param2: float32(p[1]), Param3: float32(p[2]), Param4: float32(p[3]),
			Param5: float32(p[4]), Param6: float32(p[5]), Param7: float32(p[6])})
	}
	c.attempts++
	c.sentAt = now
	c.due = now.Add(c.tm.general())
}

func (c *commandSession) start(now time.Time) { c.sendOnce(now) }

func (c *commandSession) handle(msg message.Message, now time.Time) {
	if c.done {
		return
	}
	switch m := msg.(type) {
	case *common.MessageStatustext:
		if m.Severity <= common.MAV_SEVERITY_WARNING {
			c.res.StatusTexts = append(c.res.StatusTexts, cleanText(m.Text))
		}
	case *common.MessageCommandAck:
		if m.Command != c.cmd.Command || c.grace {
			return
		}
		if c.attempts == 1 {
			c.res.RTT = now.Sub(c.sentAt)
		}
		c.res.Result, c.res.Status, c.res.Attempts = m.Result, resultText(m.Result), c.attempts
		switch m.Result {
		case common.MAV_RESULT_ACCEPTED:
			c.done = true
		case common.MAV_RESULT_IN_PROGRESS:
			// The vehicle is working on it (e.g. a calibration): wait longer, do not resend.
			c.inProgress = true
			c.due = now.Add(max(c.tm.stall(), 5*c.tm.general()))
		case common.MAV_RESULT_COMMAND_INT_ONLY, common.MAV_RESULT_COMMAND_LONG_ONLY:
			if c.attempts > c.maxRetries {
				c.refuse(now, m.Result)
				return
			}
			c.cmd.Int = m.Result == common.MAV_RESULT_COMMAND_INT_ONLY
			if c.cmd.Int && c.cmd.Frame == 0 {
				c.cmd.Frame = common.MAV_FRAME_GLOBAL_RELATIVE_ALT_INT
			}
			c.sendOnce(now)
		default:
			c.refuse(now, m.Result)
		}
	}
}

func (c *commandSession) refuse(now time.Time, r common.MAV_RESULT) {
	c.res.Result, c.res.Status = r, resultText(r)
	c.err = &CommandError{Command: c.cmd.Command, Result: r}
	c.grace = true
	c.due = now.Add(statusGrace)
}

func (c *commandSession) timeout(now time.Time) {
	if c.done {
		return
	}
	if c.grace {
		c.err.(*CommandError).Texts = c.res.StatusTexts
		c.done = true
		return
	}
	if c.inProgress || c.attempts > c.maxRetries {
		c.done = true
		c.res.Attempts = c.attempts
		what := fmt.Sprintf("no COMMAND_ACK after %d attempts", c.attempts)
		if c.inProgress {
			what = "it reported IN_PROGRESS and then went silent"
		}
		c.err = fmt.Errorf("%w: %s: %s (is the link up? the vehicle's last words: %s)", ErrTimeout, cmdName(c.cmd.Command), what, lastWords(c.res.StatusTexts))
		return
	}
	c.sendOnce(now)
}

func lastWords(texts []string) string {
	if len(texts) == 0 {
		return "none"
	}
	return strings.Join(texts, "; ")
}

func (c *commandSession) abort(time.Time) {
	if !c.done {
		c.done = true
		c.err = fmt.Errorf("%w: %s: stopped waiting for the vehicle's answer (it may still act on it)", ErrCancelled, cmdName(c.cmd.Command))
	}
}

func (c *commandSession) deadline() time.Time { return c.due }
func (c *commandSession) finished() bool      { return c.done }
func (c *commandSession) result() error       { return c.err }

// IsRefused reports whether err is the vehicle refusing a command (as opposed
// to a timeout or a bad request).
func IsRefused(err error) bool {
	var ce *CommandError
	return errors.As(err, &ce)
}
