package export

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/borderwatch/borderwatch/telemetry"
	"github.com/borderwatch/borderwatch/telemetry/store"
)

// An evidence package is one zip archive holding what a sortie (or a time
// window) left in the store, and a manifest with the SHA-256 of every file
// and the head of the store's evidence chain when it was written:
//
//	frames.tlog            every frame of the window's systems (as the tlog export)
//	track.geojson          tracks and detections (as the GeoJSON export)
//	events.json            every recorded event of those vehicles in the window
//	alerts.json            the alerts among them
//	operator_actions.json  the audit entries of those vehicles (and fleet-wide ones) in the window
//	plans/uploads.json     the uploads of plans to those vehicles during the window, and
//	                       each vehicle's last successful one before it
//	plans/index.json       the plan versions those uploads sent
//	plans/NAME-vN.EXT      their documents, byte for byte
//	manifest.json          EvidenceManifest (written last)
//
// The archive is written deterministically (stored, not compressed; every
// entry dated with the manifest's creation time), so that VerifyEvidence can
// check every byte of it: the files against the manifest, and the archive's
// own structure against the one this writer makes of them.
const (
	// EvidenceFormatName is the manifest's "format".
	EvidenceFormatName = "borderwatch-evidence/1"
	// ManifestName is the manifest's name in the archive.
	ManifestName = "manifest.json"
)

// EvidenceManifest describes an evidence package.
type EvidenceManifest struct {
	Format  string    `json:"format"`
	Created time.Time `json:"created"`
	// Sortie is the sortie exported (nil for a window).
	Sortie *store.Sortie `json:"sortie,omitempty"`
	Window struct {
		Stream  uint32                `json:"stream"`
		Systems []telemetry.VehicleID `json:"systems"`
		From    time.Time             `json:"from"`
		To      time.Time             `json:"to"`
	} `json:"window"`
	// ChainHead is the head of the store's evidence chain when the package was
	// written: compare it with a head published before (or a later store's
	// chain, which holds this link) to tie the package to the recording.
	ChainHead store.ChainHead `json:"chain_head"`
	Files     []EvidenceFile  `json:"files"`
}

// EvidenceFile is one file of a package.
type EvidenceFile struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// PlanRef is one plan version in plans/index.json.
type PlanRef struct {
	File        string    `json:"file"`
	Name        string    `json:"name"`
	Version     int       `json:"version"`
	Author      string    `json:"author"`
	Time        time.Time `json:"time"`
	ContentType string    `json:"content_type"`
	Comment     string    `json:"comment,omitempty"`
}

// storedEvent is an event in events.json: its type and its fields.
type storedEvent struct {
	Type  string          `json:"type"`
	Event telemetry.Event `json:"event"`
}

// writeEvidence writes the package of q (and of so when it is a sortie).
func writeEvidence(w io.Writer, st *store.Store, q store.Query, so *store.Sortie, opt Options) (Stats, error) {
	var stats Stats
	now := time.Now
	if opt.Now != nil {
		now = opt.Now
	}
	m := EvidenceManifest{Format: EvidenceFormatName, Created: now().UTC().Truncate(time.Second), Sortie: so}
	m.Window.Stream, m.Window.Systems, m.Window.From, m.Window.To = q.Stream, q.Systems, q.From, q.To
	var err error
	if m.ChainHead, err = st.ChainHead(); err != nil {
		return stats, err
	}
	pw := newPackageWriter(w, m.Created)
	add := func(name string, fill func(io.Writer) error) error {
		f, err := pw.add(name, fill)
		if err != nil {
			return fmt.Errorf("evidence package: %s: %w", name, err)
		}
		m.Files = append(m.Files, f)
		return nil
	}
	err = add("frames.tlog", func(w io.Writer) error {
		s, err := writeTlog(w, st, q)
		stats.Frames, stats.Withheld = s.Frames, s.Withheld
		return err
	})
	if err == nil {
		err = add("track.geojson", func(w io.Writer) error {
			d, err := collect(st, q, opt)
			if err != nil {
				return err
			}
			stats.Points, stats.Detections = d.stats.Points, d.stats.Detections
			return writeGeoJSON(w, d, opt)
		})
	}
	var events, alerts []storedEvent
	var actions []telemetry.OperatorAction
	if err == nil && q.Stream == 0 { // events and the audit are recorded live only
		f := store.EventFilter{Vehicles: q.Systems, From: q.From, To: q.To}
		err = st.Events(f, func(e telemetry.Event) bool {
			se := storedEvent{Type: store.EventType(e), Event: e}
			events = append(events, se)
			if se.Type == "alert" {
				alerts = append(alerts, se)
			}
			return true
		})
		if err == nil {
			err = st.Audit(store.EventFilter{From: q.From, To: q.To}, func(a telemetry.OperatorAction) bool {
				if a.Vehicle() == 0 || len(q.Systems) == 0 || containsID(q.Systems, a.Vehicle()) {
					actions = append(actions, a)
				}
				return true
			})
		}
	}
	for _, j := range []struct {
		name string
		v    any
	}{{"events.json", nonNil(events)}, {"alerts.json", nonNil(alerts)}, {"operator_actions.json", nonNil(actions)}} {
		if err == nil {
			err = add(j.name, jsonFile(j.v))
		}
	}
	if err == nil {
		err = addPlans(st, q, add)
	}
	if err != nil {
		return stats, err
	}
	if _, err := pw.add(ManifestName, jsonFile(m)); err != nil {
		return stats, fmt.Errorf("evidence package: manifest: %w", err)
	}
	return stats, pw.close()
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func jsonFile(v any) func(io.Writer) error {
	return func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
}

// addPlans adds the plan versions flown in the window: the versions
// uploaded to its vehicles during it, and each vehicle's last upload before
// it (what it was flying when the window began), with the upload records
// (plans/uploads.json) and the versions' details (plans/index.json).
func addPlans(st *store.Store, q store.Query, add func(string, func(io.Writer) error) error) error {
	all, err := st.PlanUploads("", 0)
	if err != nil {
		return err
	}
	uploads := []store.PlanUpload{}
	lastBefore := map[telemetry.VehicleID]int{}
	for i, u := range all {
		if len(q.Systems) > 0 && !containsID(q.Systems, u.Vehicle) {
			continue
		}
		switch {
		case u.Time.Before(q.From):
			if u.Error == "" {
				lastBefore[u.Vehicle] = i
			}
		case q.To.IsZero() || u.Time.Before(q.To):
			uploads = append(uploads, u)
		}
	}
	for _, i := range lastBefore {
		uploads = append(uploads, all[i])
	}
	slices.SortFunc(uploads, func(a, b store.PlanUpload) int { return a.Time.Compare(b.Time) })
	index := []PlanRef{}
	done := map[string]bool{}
	for _, u := range uploads {
		key := fmt.Sprintf("%s\x00%d", u.Plan, u.Version)
		if u.Plan == "" || done[key] {
			continue
		}
		done[key] = true
		v, err := st.Plan(u.Plan, u.Version)
		if err != nil {
			return fmt.Errorf("plan %q version %d uploaded at %s: %w", u.Plan, u.Version, u.Time.Format(time.RFC3339), err)
		}
		file := fmt.Sprintf("plans/%s-v%d%s", safeName(u.Plan), v.Version, planExt(v.ContentType))
		if err := add(file, func(w io.Writer) error { _, err := w.Write(v.Data); return err }); err != nil {
			return err
		}
		index = append(index, PlanRef{File: file, Name: u.Plan, Version: v.Version, Author: v.Author, Time: v.Time, ContentType: v.ContentType, Comment: v.Comment})
	}
	if err := add("plans/uploads.json", jsonFile(uploads)); err != nil {
		return err
	}
	return add("plans/index.json", jsonFile(index))
}

// safeName keeps a plan name usable as a file name in any unzip tool.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.Trim(b.String(), ".")
	if out == "" {
		out = "plan"
	}
	if len(out) > 80 {
		out = out[:80]
	}
	return out
}

func planExt(ct string) string {
	switch {
	case strings.Contains(ct, "qgc.plan"):
		return ".plan"
	case strings.Contains(ct, "geo+json"):
		return ".geojson"
	case strings.Contains(ct, "json"):
		return ".json"
	case strings.Contains(ct, "kml"):
		return ".kml"
	}
	return ".bin"
}

// packageWriter writes the archive the one way VerifyEvidence expects.
type packageWriter struct {
	zw      *zip.Writer
	bw      *bufio.Writer
	created time.Time
	names   map[string]bool
	// (optional) onEntry is called before each entry starts, with everything
	// before it written through (VerifyEvidence locates differences with it).
	onEntry func(name string)
}

func newPackageWriter(w io.Writer, created time.Time) *packageWriter {
	bw := bufio.NewWriterSize(w, 1<<16)
	return &packageWriter{zw: zip.NewWriter(bw), bw: bw, created: created, names: map[string]bool{}}
}

// add writes one file, hashing it as it goes.
func (p *packageWriter) add(name string, fill func(io.Writer) error) (EvidenceFile, error) {
	if p.names[name] {
		return EvidenceFile{}, fmt.Errorf("two files named %q", name)
	}
	p.names[name] = true
	if p.onEntry != nil {
		if err := p.flush(); err != nil {
			return EvidenceFile{}, err
		}
		p.onEntry(name)
	}
	fw, err := p.zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: p.created})
	if err != nil {
		return EvidenceFile{}, err
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(fw, h)}
	if err := fill(cw); err != nil {
		return EvidenceFile{}, err
	}
	return EvidenceFile{Name: name, Bytes: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// flush writes everything so far through to the underlying writer.
func (p *packageWriter) flush() error {
	if err := p.zw.Flush(); err != nil {
		return err
	}
	return p.bw.Flush()
}

func (p *packageWriter) close() error {
	if err := p.zw.Close(); err != nil {
		return err
	}
	return p.bw.Flush()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// validName refuses names an unzip tool could misplace.
func validName(n string) bool {
	return n != "" && len(n) <= 255 && !strings.HasPrefix(n, "/") && !strings.Contains(n, "\\") &&
		path.Clean(n) == n && !strings.HasPrefix(n, "../") && n != ".."
}
