package export_test

import (
	"testing"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"
	"github.com/bluenviron/gomavlib/v3/pkg/message"

	"github.com/borderwatch/borderwatch/mavlink/dialect"
	"github.com/borderwatch/borderwatch/mavlink/mavwire"
	"github.com/borderwatch/borderwatch/telemetry"
)

func decode(t *testing.T, f telemetry.Frame) message.Message {
	t.Helper()
	fr, _, _, err := mavwire.Parse(f.Raw, dialect.ReadWriter)
	if err != nil {
		t.Fatalf("stored frame does not parse: %v", err)
	}
	m, err := fr.Decode(dialect.ReadWriter)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func reflectPos(m message.Message) pos {
	g := m.(*common.MessageGlobalPositionInt)
	return pos{g.Lat, g.Lon, g.Alt}
}
