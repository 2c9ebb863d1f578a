package web

import (
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/bordermonitor"
)

// The border monitor runs beside the server for as long as it does: it
// watches the hub with the server's layers (told of every change) and
// publishes its alerts to the hub, where the recorder stores them and
// /ws/live streams them like every other alert.

func (s *Server) startBorderMonitor() error {
	if s.BorderAlertM < 0 {
		return nil
	}
	m := &bordermonitor.Monitor{Hub: s.Hub, Layers: s.layerList(), Logger: s.Logger,
		Rules: bordermonitor.Rules{WarnDistM: s.BorderAlertM}, Position: vehiclePosition}
	if err := m.Initialize(); err != nil {
		return err
	}
	s.monitor = m
	return nil
}

func (s *Server) stopBorderMonitor() {
	if s.monitor != nil {
		s.monitor.Close()
	}
}

// vehiclePosition reads a vehicle's position from a gcs state on the hub.
func vehiclePosition(m telemetry.Message) (orb.Point, time.Time, bool) {
	st, ok := m.(gcs.VehicleState)
	if !ok || !st.HasPosition || (st.Lat == 0 && st.Lon == 0) {
		return orb.Point{}, time.Time{}, false
	}
	return orb.Point{st.Lon, st.Lat}, st.Time, true
}
