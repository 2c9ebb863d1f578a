// Package dialect holds the MAVLink definitions Borderwatch speaks: ArduPilot's
// ardupilotmega dialect (which includes common, so PX4 is covered too) plus the
// project's own borderwatch dialect (DETECTION), defined in borderwatch.xml.
//
// The gcs, telemetry and simulator packages share these definitions.
package dialect

//go:generate sh -c "go tool dialect-import borderwatch.xml && gofmt -w borderwatch"

import (
	"fmt"

	"github.com/bluenviron/gomavlib/v3/pkg/dialect"
	"github.com/bluenviron/gomavlib/v3/pkg/dialects/ardupilotmega"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect/borderwatch"
)

// Dialect is ardupilotmega (with common) plus borderwatch.
var Dialect = &dialect.Dialect{
	Version:  3,
	Messages: combine(ardupilotmega.Dialect.Messages, borderwatch.Dialect.Messages),
}

// ReadWriter encodes and decodes the messages of Dialect. It is built once at
// start-up because building it reflects over several hundred message types.
var ReadWriter = mustReadWriter(Dialect)

func combine(sets ...[]message.Message) []message.Message {
	var out []message.Message
	seen := map[uint32]bool{}
	for _, set := range sets {
		for _, m := range set {
			if seen[m.GetID()] {
				// A silent override would decode one message as another: fail loudly at start-up.
				panic(fmt.Sprintf("dialect: message id %d is defined twice", m.GetID()))
			}
			seen[m.GetID()] = true
			out = append(out, m)
		}
	}
	return out
}

func mustReadWriter(d *dialect.Dialect) *dialect.ReadWriter {
	rw := &dialect.ReadWriter{Dialect: d}
	if err := rw.Initialize(); err != nil {
		panic("dialect: " + err.Error())
	}
	return rw
}
