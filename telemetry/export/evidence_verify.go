package export

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"
)

// EvidenceReport is what VerifyEvidence found.
type EvidenceReport struct {
	// Manifest is the package's manifest (nil when it could not be read).
	Manifest *EvidenceManifest `json:"manifest,omitempty"`
	Problems []EvidenceProblem `json:"problems"`
}

// OK reports whether the package is exactly as written.
func (r EvidenceReport) OK() bool { return len(r.Problems) == 0 }

// EvidenceProblem names the file (or "archive") that does not match.
type EvidenceProblem struct {
	File string `json:"file"`
	What string `json:"what"`
}

func (p EvidenceProblem) String() string { return p.File + ": " + p.What }

// maxManifestBytes bounds the manifest read into memory.
const maxManifestBytes = 16 << 20

var hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)

// VerifyEvidence checks an evidence package on its own, offline: every file
// the manifest lists is there with its size and SHA-256, there is no other
// file, and every byte of the archive is what Borderwatch's writer makes of
// those files (so a change anywhere, data or zip structure, is found). It
// reads each file once, streaming, never more than the manifest announces.
// Problems name the file that does not match; an error is only an I/O error
// of r.
func VerifyEvidence(r io.ReaderAt, size int64) (EvidenceReport, error) {
	var rep EvidenceReport
	add := func(file, format string, args ...any) {
		rep.Problems = append(rep.Problems, EvidenceProblem{File: file, What: fmt.Sprintf(format, args...)})
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		add("archive", "not a readable zip archive: %v", err)
		return rep, nil
	}
	entries := map[string]*zip.File{}
	for _, f := range zr.File {
		if entries[f.Name] != nil {
			add(f.Name, "is in the archive twice")
			continue
		}
		entries[f.Name] = f
	}
	mf := entries[ManifestName]
	if mf == nil {
		add(ManifestName, "missing: this is not a Borderwatch evidence package")
		return rep, nil
	}
	m, err := readManifest(mf)
	if err != nil {
		add(ManifestName, "%v", err)
		return rep, nil
	}
	rep.Manifest = m
	listed := map[string]bool{ManifestName: true}
	contents := make([]EvidenceFile, 0, len(m.Files))
	for _, f := range m.Files {
		listed[f.Name] = true
		zf := entries[f.Name]
		if zf == nil {
			add(f.Name, "listed in the manifest but missing from the archive")
			continue
		}
		got, n, err := hashEntry(zf, f.Bytes)
		switch {
		case err != nil:
			add(f.Name, "unreadable (changed after it was written): %v", err)
		case n != f.Bytes:
			add(f.Name, "has %d bytes where the manifest says %d", n, f.Bytes)
		case got != f.SHA256:
			add(f.Name, "SHA-256 %s does not match the manifest's %s", got, f.SHA256)
		default:
			contents = append(contents, f)
		}
	}
	for _, f := range zr.File {
		if !listed[f.Name] {
			add(f.Name, "in the archive but not in the manifest")
		}
	}
	if !rep.OK() {
		return rep, nil
	}
	// Every file matches: now the archive's own bytes (headers, dates,
	// directory) must be exactly what the writer makes of them.
	if err := compareLayout(r, size, m, entries); err != nil {
		var d *layoutDiff
		if errors.As(err, &d) {
			add(d.file, "%s", d.what)
			return rep, nil
		}
		return rep, err
	}
	return rep, nil
}

func readManifest(f *zip.File) (*EvidenceManifest, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("unreadable: %v", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxManifestBytes+1))
	if err != nil {
		return nil, fmt.Errorf("unreadable (changed after it was written): %v", err)
	}
	if len(data) > maxManifestBytes {
		return nil, fmt.Errorf("larger than %d MiB: not a Borderwatch manifest", maxManifestBytes>>20)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m EvidenceManifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("not a valid manifest: %v", err)
	}
	if m.Format != EvidenceFormatName {
		return nil, fmt.Errorf("format %q is not %q (written by another program or version)", m.Format, EvidenceFormatName)
	}
	if m.Created.IsZero() || !m.Created.Equal(m.Created.Truncate(time.Second)) {
		return nil, fmt.Errorf("creation time %s is not a whole second", m.Created)
	}
	seen := map[string]bool{ManifestName: true}
	for i, f := range m.Files {
		switch {
		case !validName(f.Name):
			return nil, fmt.Errorf("file %d has an unsafe name %q", i+1, f.Name)
		case seen[f.Name]:
			return nil, fmt.Errorf("file %q is listed twice (or is the manifest)", f.Name)
		case f.Bytes < 0:
			return nil, fmt.Errorf("file %q has a negative size", f.Name)
		case !hexSHA256.MatchString(f.SHA256):
			return nil, fmt.Errorf("file %q: sha256 must be 64 lower-case hex digits, got %q", f.Name, f.SHA256)
		}
		seen[f.Name] = true
	}
	return &m, nil
}

// hashEntry hashes an entry, reading at most limit+1 bytes of it.
func hashEntry(f *zip.File, limit int64) (string, int64, error) {
	rc, err := f.Open()
	if err != nil {
		return "", 0, err
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(rc, limit+1))
	if err != nil {
		return "", n, err
	}
	if n == limit {
		// Read to the end, so that the zip reader checks the entry's CRC.
		var one [1]byte
		if k, err := rc.Read(one[:]); k != 0 || (err != nil && err != io.EOF) {
			if err == nil {
				err = errors.New("longer than the manifest says")
			}
			return "", n + int64(k), err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

type layoutDiff struct{ file, what string }

func (d *layoutDiff) Error() string { return d.file + ": " + d.what }

// compareLayout writes the package again from its own files and compares
// it, byte for byte, with r.
func compareLayout(r io.ReaderAt, size int64, m *EvidenceManifest, entries map[string]*zip.File) error {
	cw := &compareWriter{r: r, size: size, diff: -1}
	section := "archive"
	pw := newPackageWriter(cw, m.Created)
	pw.onEntry = func(name string) {
		if cw.diff < 0 {
			section = name
		}
	}
	copyEntry := func(name string) func(io.Writer) error {
		return func(w io.Writer) error {
			rc, err := entries[name].Open()
			if err != nil {
				return err
			}
			defer rc.Close()
			_, err = io.Copy(w, rc)
			return err
		}
	}
	for _, f := range m.Files {
		if _, err := pw.add(f.Name, copyEntry(f.Name)); err != nil {
			return err
		}
	}
	if _, err := pw.add(ManifestName, copyEntry(ManifestName)); err != nil {
		return err
	}
	if err := pw.flush(); err != nil {
		return err
	}
	if cw.diff < 0 {
		section = "archive"
	}
	if err := pw.close(); err != nil {
		return err
	}
	if cw.err != nil {
		return cw.err
	}
	switch {
	case cw.diff >= 0:
		where := "the zip records of this file (its header, or the end of the one before)"
		if section == "archive" {
			where = "the archive's central directory"
		}
		return &layoutDiff{section, fmt.Sprintf("byte %d (in %s) differs from what Borderwatch wrote", cw.diff, where)}
	case cw.off < size:
		return &layoutDiff{"archive", fmt.Sprintf("%d bytes were added after the end of the package", size-cw.off)}
	}
	return nil
}

// compareWriter compares what is written with r from offset 0, remembering
// the first offset that differs.
type compareWriter struct {
	r    io.ReaderAt
	size int64
	off  int64
	diff int64
	buf  []byte
	err  error
}

func (c *compareWriter) Write(b []byte) (int, error) {
	if c.diff >= 0 || c.err != nil {
		c.off += int64(len(b))
		return len(b), nil
	}
	if cap(c.buf) < len(b) {
		c.buf = make([]byte, len(b))
	}
	got := c.buf[:len(b)]
	n, err := c.r.ReadAt(got, c.off)
	if err != nil && err != io.EOF {
		c.err = err
	}
	for i := 0; i < len(b); i++ {
		if i >= n || got[i] != b[i] {
			c.diff = c.off + int64(i)
			break
		}
	}
	c.off += int64(len(b))
	return len(b), nil
}
