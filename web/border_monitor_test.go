package web

import (
	"strings"
	"testing"
	"time"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/borderwatch/borderwatch/missions/demodata"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/bordermonitor"
)

// The server's border monitor takes the layers imported over the API: the
// simulated drone at home, 2.2 km north of the demo border, raises one
// approach alert with a 2.5 km warning distance; it is stored and listed
// like every other alert.
func TestServer_BorderMonitor_AlertStoredOnce(t *testing.T) {
	hub := &telemetry.Hub{}
	s := newRecordingServerWith(t, hub, newSimFleet(t, hub, "arducopter", 0), nil, func(s *Server) { s.BorderAlertM = 2500 })
	if code, body := send(t, "POST", s.URL()+"/api/v1/layers?kind=border&name=demo", "application/geo+json", demodata.NogalesBorder); code != 201 {
		t.Fatalf("border layer: %d %s", code, body)
	}
	var list []AlertEntry
	testenv.Eventually(t, 10*time.Second, "border alert stored", func() bool {
		_, body := send(t, "GET", s.URL()+"/api/v1/alerts?state=open", "", nil)
		list = decode[[]AlertEntry](t, body)
		for _, a := range list {
			if a.Type == bordermonitor.AlertBorderApproach {
				return true
			}
		}
		return false
	})
	// Many more states went by (5 Hz): still one alert.
	checked := s.monitor.Checked()
	testenv.Eventually(t, 10*time.Second, "ten more states checked", func() bool {
		return s.monitor.Checked() >= checked+10
	})
	if r := s.monitor.Raised(); r != 1 {
		t.Fatalf("the monitor raised %d alerts for one approach", r)
	}
	n := 0
	_, body := send(t, "GET", s.URL()+"/api/v1/alerts", "", nil)
	for _, a := range decode[[]AlertEntry](t, body) {
		if a.Type == bordermonitor.AlertBorderApproach {
			n++
			if a.SystemID != 1 || !strings.Contains(a.Text, "from the border") {
				t.Fatalf("alert %+v", a)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d approach alerts for one approach", n)
	}
}
