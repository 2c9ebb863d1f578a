package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/borderwatch/borderwatch/basemap"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

func demoArchive(t testing.TB) []byte {
	t.Helper()
	layers, err := basemap.DemoLayers()
	if err != nil {
		t.Fatal(err)
	}
	a, _, err := basemap.Build(layers, basemap.Options{MaxZoom: 14})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := a.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rangeReader reads the served archive the way a PMTiles reader does: one
// HTTP range request per read, each of which must come back 206 with the
// Content-Range asked for.
type rangeReader struct {
	t      testing.TB
	url    string
	client *http.Client
	size   int
	n      int
}

func (rr *rangeReader) ReadAt(p []byte, off int64) (int, error) {
	req, _ := http.NewRequest("GET", rr.url, nil)
	end := off + int64(len(p)) - 1
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, end))
	resp, err := rr.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	rr.n++
	if resp.StatusCode != http.StatusPartialContent {
		rr.t.Errorf("range %d-%d: status %d, want 206", off, end, resp.StatusCode)
	}
	if got, want := resp.Header.Get("Content-Range"), fmt.Sprintf("bytes %d-%d/%d", off, end, rr.size); got != want {
		rr.t.Errorf("Content-Range %q, want %q", got, want)
	}
	return io.ReadFull(resp.Body, p)
}

func TestBasemap_ServedByRangeRequests_ReadBackAsMVT(t *testing.T) {
	archive := demoArchive(t)
	s, _ := newTestServerWith(t, func(s *Server) {
		s.Basemap = &Basemap{Data: bytes.NewReader(archive), Size: int64(len(archive))}
	})
	c := client(t, s)

	var info basemapInfo
	resp, err := c.Get(s.URL() + "/api/v1/basemap")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if !info.Available || info.URL != "/api/v1/basemap.pmtiles" || info.TileType != "mvt" || info.MaxZoom != 14 || info.SizeBytes != int64(len(archive)) {
		t.Fatalf("info %+v", info)
	}

	rr := &rangeReader{t: t, url: s.URL() + info.URL, client: c, size: len(archive)}
	rd, err := basemap.Open(rr, int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	tile := maptile.At(orb.Point{-110.9425, 31.334}, 14)
	data, ok, err := rd.Tile(14, tile.X, tile.Y)
	if err != nil || !ok {
		t.Fatalf("tile over HTTP: ok=%v err=%v", ok, err)
	}
	ls, err := mvt.UnmarshalGzipped(data)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, l := range ls {
		names[l.Name] = true
	}
	if !names["roads"] || !names["checkpoints"] || !names["borders"] {
		t.Errorf("tile layers %v", names)
	}
	if rr.n < 2 {
		t.Errorf("%d range requests, want the header's and the tile's at least", rr.n)
	}

	// A whole-file GET answers 200 with every byte.
	resp, err = c.Get(s.URL() + info.URL)
	if err != nil {
		t.Fatal(err)
	}
	all, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(all, archive) || resp.Header.Get("Accept-Ranges") != "bytes" {
		t.Errorf("full GET: %d, %d bytes, Accept-Ranges %q", resp.StatusCode, len(all), resp.Header.Get("Accept-Ranges"))
	}

	// Not for anyone without a login.
	resp, err = http.Get(s.URL() + info.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous GET: %d, want 401", resp.StatusCode)
	}
}

func TestBasemap_None_InfoSaysSoAndArchive404(t *testing.T) {
	s, _ := newTestServer(t)
	c := client(t, s)
	resp, err := c.Get(s.URL() + "/api/v1/basemap")
	if err != nil {
		t.Fatal(err)
	}
	var info basemapInfo
	json.NewDecoder(resp.Body).Decode(&info)
	resp.Body.Close()
	if info.Available {
		t.Error("available without a basemap")
	}
	resp, err = c.Get(s.URL() + "/api/v1/basemap.pmtiles")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("archive without a basemap: %d, want 404", resp.StatusCode)
	}
}

func TestServer_Initialize_RefusesNonPMTilesBasemap(t *testing.T) {
	hubless := &Server{Addr: "127.0.0.1:0", Basemap: &Basemap{Data: bytes.NewReader([]byte("{\"type\":\"FeatureCollection\"}")), Size: 28}}
	if err := hubless.checkBasemap(); err == nil {
		t.Fatal("a GeoJSON file accepted as a basemap")
	}
}

// The demo builds its basemap while the server already serves: the info
// says pending until SetBasemap, then the archive is there.
func TestBasemap_SetLater_PendingThenServed(t *testing.T) {
	s, _ := newTestServer(t)
	c := client(t, s)
	info := func() basemapInfo {
		resp, err := c.Get(s.URL() + "/api/v1/basemap")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var i basemapInfo
		if err := json.NewDecoder(resp.Body).Decode(&i); err != nil {
			t.Fatal(err)
		}
		return i
	}
	s.ExpectBasemap()
	if i := info(); i.Available || !i.Pending {
		t.Fatalf("while building: %+v, want pending", i)
	}
	s.NoBasemap() // a failed build: the page stops asking
	if i := info(); i.Available || i.Pending {
		t.Fatalf("after a failed build: %+v, want neither available nor pending", i)
	}
	s.ExpectBasemap()
	data := demoArchive(t)
	if err := s.SetBasemap(&Basemap{Data: bytes.NewReader([]byte("not pmtiles")), Size: 11}); err == nil {
		t.Fatal("SetBasemap accepted something that is not PMTiles")
	}
	if err := s.SetBasemap(&Basemap{Data: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatal(err)
	}
	if i := info(); !i.Available || i.TileType != "mvt" {
		t.Fatalf("after SetBasemap: %+v", i)
	}
	resp, err := c.Get(s.URL() + "/api/v1/basemap.pmtiles")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(data)) {
		t.Fatalf("archive: %d, %d bytes", resp.StatusCode, resp.ContentLength)
	}
}
