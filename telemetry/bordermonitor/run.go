package bordermonitor

import (
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/paulmach/orb"

	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
)

// Monitor runs a Checker on what the hub carries: vehicle states (through
// Position) and detections in, alerts out.
type Monitor struct {
	Hub *telemetry.Hub
	// Position reads a vehicle's position ([lon, lat]) and its time from a
	// state message of the hub (the gcs's VehicleState, which this package
	// does not import); false when the message has no position yet.
	Position func(telemetry.Message) (orb.Point, time.Time, bool)
	// (optional) Layers to start with; SetLayers replaces them.
	Layers []*missions.Layer
	// (optional) Rules; zero fields take the defaults.
	Rules Rules
	// (optional) QueueLen bounds the messages waiting for the monitor.
	// Defaults to 8192; beyond it the hub coalesces states and drops
	// detections, and counts them (Dropped).
	QueueLen int
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger

	sub     *telemetry.Subscription
	layers  chan []*missions.Layer
	done    chan struct{}
	stop    chan struct{}
	raised  atomic.Uint64
	checked atomic.Uint64
}

// Initialize subscribes to the hub and starts the monitor's goroutine.
func (m *Monitor) Initialize() error {
	if m.Hub == nil || m.Position == nil {
		return errors.New("bordermonitor: Hub and Position are required")
	}
	if m.QueueLen <= 0 {
		m.QueueLen = 8192
	}
	if m.Logger == nil {
		m.Logger = slog.Default()
	}
	m.sub = m.Hub.Subscribe(telemetry.Filter{Kinds: []telemetry.Kind{telemetry.KindState, telemetry.KindEvent}}, m.QueueLen)
	m.layers = make(chan []*missions.Layer, 1)
	m.done = make(chan struct{})
	m.stop = make(chan struct{})
	go m.run(NewChecker(m.Layers, m.Rules))
	return nil
}

// SetLayers hands the monitor new layers (after an import, a rename or a
// delete); only the latest waiting set is kept.
func (m *Monitor) SetLayers(layers []*missions.Layer) {
	for {
		select {
		case m.layers <- layers:
			return
		default:
		}
		select {
		case <-m.layers: // replace a set not taken yet
		default:
		}
	}
}

// Raised counts the alerts the monitor published.
func (m *Monitor) Raised() uint64 { return m.raised.Load() }

// Checked counts the drone positions and detections the monitor checked.
func (m *Monitor) Checked() uint64 { return m.checked.Load() }

// Dropped counts the messages the monitor's queue lost.
func (m *Monitor) Dropped() uint64 { return m.sub.Dropped() }

// Close stops the monitor. It is idempotent.
func (m *Monitor) Close() {
	select {
	case <-m.stop:
	default:
		close(m.stop)
	}
	<-m.done
	m.sub.Close()
}

func (m *Monitor) run(c *Checker) {
	defer close(m.done)
	var msgs []telemetry.Message
	for {
		select {
		case <-m.stop:
			return
		case ls := <-m.layers:
			c.SetLayers(ls)
		case <-m.sub.Ready():
			msgs = m.sub.Drain(msgs[:0])
			for _, msg := range msgs {
				var alerts []telemetry.Alert
				if d, ok := msg.(telemetry.Detection); ok {
					alerts = c.Detection(d)
					m.checked.Add(1)
				} else if r, ok := msg.(telemetry.RemoteID); ok {
					alerts = c.RemoteID(r)
					m.checked.Add(1)
				} else if msg.Kind() == telemetry.KindState {
					if p, at, ok := m.Position(msg); ok {
						alerts = c.Drone(msg.Vehicle(), p, at)
						m.checked.Add(1)
					}
				}
				for _, a := range alerts {
					m.raised.Add(1)
					m.Hub.Publish(a)
				}
			}
			clear(msgs)
		}
	}
}
