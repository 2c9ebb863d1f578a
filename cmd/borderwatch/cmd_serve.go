package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/borderwatch/borderwatch/gcs"
	"github.com/borderwatch/borderwatch/missions"
	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
	"github.com/borderwatch/borderwatch/web"
)

func init() {
	register(command{
		name:         "serve",
		summary:      "Run the ground station: MAVLink links, the sortie store and the web UI.",
		usage:        "[--mavlink URL]... [--http ADDR] [--data FILE] [--layer KIND:FILE]... [--allow-host NAME]... [--metrics-open] [--tls-cert FILE --tls-key FILE] [--cot URL]... [--cot-listen URL]... [--basemap FILE.pmtiles] [--nats URL [--nats-creds FILE] | --nats-listen ADDR [--nats-users FILE]] [--station NAME] [--hq --hq-key FILE] [--hq-trust KEY]...",
		configurable: true,
		flags: func(fs *flag.FlagSet) func(context.Context, *env, []string) error {
			var o serverOptions
			fs.Var(&o.links, "mavlink", "MAVLink link URL, repeatable: udp://HOST:PORT listens, udpc://HOST:PORT sends to one address, tcp://HOST:PORT connects, tcps://HOST:PORT accepts, serial:///dev/ttyUSB0?baud=57600 (default udp://0.0.0.0:14550). Add ?network=NAME (a-z, 0-9, _ and -) to put a link on a named MAVLink network: the same system id on two networks is two vehicles, with ids network number × 256 + system id kept in the store; links without one share the default network, whose ids are the system ids")
			fs.StringVar(&o.http, "http", "127.0.0.1:8080", "HTTP address of the API and UI")
			fs.StringVar(&o.data, "data", "borderwatch.db", "bbolt file of the sortie store (created if missing)")
			fs.Var(&o.layers, "layer", "GIS layer to show, repeatable: KIND:FILE (GeoJSON or KML) with KIND border, own_territory, no_fly, patrol_sector")
			fs.StringVar(&o.uiDir, "ui-dir", os.Getenv("BORDERWATCH_UI_DIR"), "serve the UI from this folder instead of the embedded build (UI development)")
			fs.DurationVar(&o.retention, "retention", 0, "drop recorded data older than this (e.g. 2160h for 90 days); 0 keeps everything")
			o.declareHTTP(fs)
			o.declareBasemap(fs)
			declareTAKFlags(fs, &o.tak)
			declareFedFlags(fs, &o.fed)
			var logs logOptions
			declareLogFlags(fs, &logs)
			return func(ctx context.Context, e *env, args []string) error {
				if len(args) > 0 {
					return fmt.Errorf("unexpected arguments %q", args)
				}
				if err := logs.install(e); err != nil {
					return err
				}
				if err := o.fed.check(); err != nil {
					return err
				}
				if len(o.links) == 0 && o.fed.hq {
					// A headquarters has no drones of its own: its fleet
					// listens on loopback only, where nothing sends.
					o.links = stringList{"udp://127.0.0.1:0"}
				}
				if len(o.links) == 0 {
					o.links = stringList{"udp://0.0.0.0:14550"}
				}
				ls, err := loadLayerFlags(o.layers)
				if err != nil {
					return err
				}
				o.layerObjs = ls
				sys, err := startServer(o)
				if err != nil {
					return err
				}
				defer sys.Close()
				fmt.Fprintf(e.stdout, "Borderwatch is serving on %s\n", sys.web.URL())
				if e.ready != nil {
					e.ready(map[string]string{"url": sys.web.URL()})
				}
				<-ctx.Done()
				return nil
			}
		},
	})
}

type serverOptions struct {
	links     stringList
	http      string
	data      string
	layers    stringList
	layerObjs []*missions.Layer
	uiDir     string
	retention time.Duration
	tak       takOptions
	fed       fedOptions
	// basemap is a PMTiles file (--basemap); basemapObj one built in
	// memory (the demo's). basemapObj wins.
	basemap    string
	basemapObj *web.Basemap
	// HTTP hardening (declareHTTP).
	metricsOpen     bool
	allowHosts      stringList
	tlsCert, tlsKey string
}

// declareHTTP declares the flags of the HTTP server's security.
func (o *serverOptions) declareHTTP(fs *flag.FlagSet) {
	fs.BoolVar(&o.metricsOpen, "metrics-open", false, "serve /metrics without a token (only for a Prometheus scraper on a trusted network)")
	fs.Var(&o.allowHosts, "allow-host", "host name the server answers to besides IP addresses, localhost and --http's host, repeatable (a DNS-rebinding defence refuses other names)")
	fs.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate: serve HTTPS (with --tls-key); session cookies are then Secure")
	fs.StringVar(&o.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
}

// declareBasemap declares --basemap (serve and demo).
func (o *serverOptions) declareBasemap(fs *flag.FlagSet) {
	fs.StringVar(&o.basemap, "basemap", "", "PMTiles file the map draws under the layers (e.g. from borderwatch basemap build; docs/basemap.md)")
}

// server is the running ground station, built from its managers in the
// order data flows through them, and closed in reverse.
type server struct {
	hub      *telemetry.Hub
	store    *store.Store
	recorder *store.Recorder
	fleet    *gcs.Fleet
	tak      takParts
	fed      fedParts
	web      *web.Server
	// closeBasemap closes the --basemap file, if one is open.
	closeBasemap func() error
}

func startServer(o serverOptions) (*server, error) {
	s := &server{hub: &telemetry.Hub{}}
	s.store = &store.Store{Path: o.data}
	if err := s.store.Initialize(); err != nil {
		return nil, err
	}
	s.recorder = &store.Recorder{Store: s.store, Hub: s.hub, Retention: o.retention}
	if err := s.recorder.Initialize(); err != nil {
		s.Close()
		return nil, err
	}
	s.fleet = &gcs.Fleet{Links: o.links, Hub: s.hub, SigningStore: s.store, Networks: s.store}
	if err := s.fleet.Initialize(); err != nil {
		s.fleet = nil
		s.Close()
		return nil, err
	}
	if err := s.startTAK(o.tak); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.startFederation(o.fed, o.tak.station, o.data); err != nil {
		s.Close()
		return nil, err
	}
	bm := o.basemapObj
	if bm == nil && o.basemap != "" {
		var err error
		if bm, s.closeBasemap, err = web.OpenBasemapFile(o.basemap); err != nil {
			s.Close()
			return nil, err
		}
	}
	s.web = &web.Server{Addr: o.http, Fleet: s.fleet, Hub: s.hub, Store: s.store, Collectors: []prometheus.Collector{web.RecorderCollector(s.recorder), &s.fed.metrics}, Layers: o.layerObjs, UIDir: o.uiDir,
		MetricsOpen: o.metricsOpen, AllowHosts: o.allowHosts, TLSCert: o.tlsCert, TLSKey: o.tlsKey, TAKMarkers: s.tak.markers, Basemap: bm, HQ: s.fed.hq}
	if s.fed.conn != nil {
		s.web.NATSReady = s.fed.natsReady
	}
	if err := s.web.Initialize(); err != nil {
		s.web = nil
		s.Close()
		return nil, err
	}
	if err := s.startStation(o.fed, o.tak.station, o.data); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close stops the managers in reverse order. It is idempotent.
func (s *server) Close() {
	s.closeFederation() // first: a station runs forwarded requests through the web server
	if s.web != nil {
		s.web.Close()
	}
	if s.closeBasemap != nil {
		s.closeBasemap()
		s.closeBasemap = nil
	}
	s.closeTAK()
	if s.fleet != nil {
		s.fleet.Close()
	}
	if s.recorder != nil {
		s.recorder.Close() // commits what is queued
		if d := s.recorder.Dropped(); d > 0 {
			slog.Warn("recorder dropped frames", "frames", d)
		}
		s.recorder = nil
	}
	if s.store != nil {
		if err := s.store.Close(); err != nil {
			slog.Error("close store", "err", err)
		}
		s.store = nil
	}
}

func loadLayerFlags(specs []string) ([]*missions.Layer, error) {
	var out []*missions.Layer
	for i, spec := range specs {
		kind, file, ok := cutKind(spec)
		if !ok {
			return nil, fmt.Errorf("--layer %q: want KIND:FILE, e.g. border:border.geojson", spec)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--layer %q: %w", spec, err)
		}
		l, err := missions.ParseLayer(data, fmt.Sprintf("layer-%d", i+1), file, missions.LayerKind(kind))
		if err != nil {
			return nil, fmt.Errorf("--layer %q: %w", spec, err)
		}
		out = append(out, l)
	}
	return out, nil
}

func cutKind(spec string) (kind, file string, ok bool) {
	for i := 0; i < len(spec); i++ {
		if spec[i] == ':' {
			return spec[:i], spec[i+1:], i > 0 && i < len(spec)-1
		}
	}
	return "", "", false
}
