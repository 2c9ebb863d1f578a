// Package simulator runs simulated drones that speak MAVLink to a ground
// station, so that every other part of Borderwatch can be tested and shown
// without hardware. It shares only protocol definitions with the gcs package.
package simulator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/borderwatch/borderwatch/gcs/dialect"
	"github.com/borderwatch/borderwatch/gcs/mavwire"
)

// Demo area: a patrol circle north of the US–Mexico border at Nogales, Arizona,
// matching the demo border layer.
const (
	DefaultCenterLat = 31.3520
	DefaultCenterLon = -110.9500
)

// Fleet is a set of simulated vehicles sharing one UDP connection to the GCS.
type Fleet struct {
	// Drones is how many vehicles to simulate (1-250).
	Drones int
	// GCS is the ground station's address as a URL: udp://HOST:PORT.
	GCS string
	// (optional) FirstSystemID of the vehicles; they take consecutive ids. Defaults to 1.
	FirstSystemID uint8
	// (optional) CenterLat/CenterLon of the patrol area. Default to the demo area.
	CenterLat, CenterLon float64
	// (optional) Rate of position telemetry in Hz. Defaults to 10.
	Rate float64
	// (optional) Speedup runs simulated time K times faster than the wall clock. Defaults to 1.
	Speedup float64
	// (optional) Logger. Defaults to slog.Default().
	Logger *slog.Logger

	vehicles []*Vehicle
	conn     *net.UDPConn
	sent     atomic.Uint64
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	once     sync.Once
}

// Initialize connects to the GCS and starts the vehicles.
func (f *Fleet) Initialize() error {
	if f.Drones < 1 || f.Drones > 250 {
		return fmt.Errorf("simulator: --drones must be between 1 and 250, got %d", f.Drones)
	}
	if f.FirstSystemID == 0 {
		f.FirstSystemID = 1
	}
	if int(f.FirstSystemID)+f.Drones-1 > 250 {
		return fmt.Errorf("simulator: system ids %d..%d exceed 250", f.FirstSystemID, int(f.FirstSystemID)+f.Drones-1)
	}
	if f.CenterLat == 0 && f.CenterLon == 0 {
		f.CenterLat, f.CenterLon = DefaultCenterLat, DefaultCenterLon
	}
	if f.Rate == 0 {
		f.Rate = 10
	}
	if f.Speedup == 0 {
		f.Speedup = 1
	}
	if f.Logger == nil {
		f.Logger = slog.Default()
	}
	u, err := url.Parse(f.GCS)
	if err != nil || u.Scheme != "udp" || u.Port() == "" {
		return fmt.Errorf("simulator: --gcs %q: want udp://HOST:PORT, e.g. udp://127.0.0.1:14550", f.GCS)
	}
	ua, err := net.ResolveUDPAddr("udp", u.Host)
	if err != nil {
		return fmt.Errorf("simulator: --gcs %q: %w", f.GCS, err)
	}
	f.conn, err = net.DialUDP("udp", nil, ua)
	if err != nil {
		return fmt.Errorf("simulator: --gcs %q: %w", f.GCS, err)
	}
	now := time.Now()
	for i := 0; i < f.Drones; i++ {
		// Spread the drones over rings so that they do not fly on top of each other.
		v := &Vehicle{
			SystemID:   f.FirstSystemID + uint8(i),
			CenterLat:  f.CenterLat,
			CenterLon:  f.CenterLon,
			RadiusM:    600 + 150*float64(i%8),
			AltAMSLM:   1300 + 10*float64(i%8),
			GroundAltM: 1180,
			SpeedMS:    12,
			Phase:      2 * math.Pi * float64(i) / float64(f.Drones),
		}
		v.init(now)
		f.vehicles = append(f.vehicles, v)
	}
	f.ctx, f.cancel = context.WithCancel(context.Background())
	f.wg.Add(2)
	go f.run()
	go f.drain()
	return nil
}

// Close stops the vehicles. It is idempotent.
func (f *Fleet) Close() {
	f.once.Do(func() {
		f.cancel()
		f.conn.Close()
		f.wg.Wait()
	})
}

// Sent is how many frames the fleet has sent.
func (f *Fleet) Sent() uint64 { return f.sent.Load() }

// run steps every vehicle on one ticker: one goroutine for the whole fleet
// keeps a large fleet cheap.
func (f *Fleet) run() {
	defer f.wg.Done()
	encoders := make([]mavwire.Encoder, len(f.vehicles))
	for i, v := range f.vehicles {
		encoders[i] = mavwire.Encoder{Dialect: dialect.ReadWriter, SystemID: v.SystemID, ComponentID: 1}
	}
	period := time.Duration(float64(time.Second) / f.Rate)
	ticker := time.NewTicker(period)
	defer ticker.Stop()
	wallStart := time.Now()
	simStart := f.vehicles[0].start
	lastHB := time.Time{}
	var buf []byte
	for {
		select {
		case <-f.ctx.Done():
			return
		case wall := <-ticker.C:
			simNow := simStart.Add(time.Duration(float64(wall.Sub(wallStart)) * f.Speedup))
			heartbeat := wall.Sub(lastHB) >= time.Second
			if heartbeat {
				lastHB = wall
			}
			for i, v := range f.vehicles {
				buf = buf[:0]
				for _, m := range v.telemetry(simNow, heartbeat) {
					var err error
					buf, err = encoders[i].Encode(buf, m)
					if err != nil {
						f.Logger.Error("simulator: encode", "err", err)
						return
					}
				}
				if _, err := f.conn.Write(buf); err != nil {
					if errors.Is(err, net.ErrClosed) {
						return
					}
					continue // the GCS may not be up yet (ICMP port unreachable)
				}
				f.sent.Add(1)
			}
		}
	}
}

// drain reads what the GCS sends (its heartbeat for now) so the socket buffer never fills.
func (f *Fleet) drain() {
	defer f.wg.Done()
	buf := make([]byte, 65536)
	for {
		if _, err := f.conn.Read(buf); err != nil {
			if errors.Is(err, net.ErrClosed) || f.ctx.Err() != nil {
				return
			}
		}
	}
}
