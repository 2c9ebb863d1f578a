package basemap

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/mvt"
	"github.com/paulmach/orb/maptile"
)

// buildArchive builds layers and writes them to bytes, then opens them.
func buildArchive(t testing.TB, layers []Layer, opt Options) *Reader {
	t.Helper()
	a, _, err := Build(layers, opt)
	if err != nil {
		t.Fatal(err)
	}
	rd, _ := writeAndOpen(t, a)
	return rd
}

// writeAndOpen writes a and opens what it wrote; it answers the size.
func writeAndOpen(t testing.TB, a *Archive) (*Reader, int) {
	t.Helper()
	var b bytes.Buffer
	if _, err := a.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	rd, err := Open(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		t.Fatalf("reading back what we wrote: %v", err)
	}
	return rd, b.Len()
}

// tileLayers decodes tile z at p and returns its features per layer.
func tileLayers(t testing.TB, rd *Reader, p orb.Point, z maptile.Zoom) map[string]int {
	t.Helper()
	tile := maptile.At(p, z)
	data, ok, err := rd.Tile(uint8(z), tile.X, tile.Y)
	if err != nil || !ok {
		t.Fatalf("tile %d/%d/%d: ok=%v err=%v", z, tile.X, tile.Y, ok, err)
	}
	ls, err := mvt.UnmarshalGzipped(data)
	if err != nil {
		t.Fatalf("tile %d/%d/%d is not a gzipped MVT: %v", z, tile.X, tile.Y, err)
	}
	out := map[string]int{}
	for _, l := range ls {
		out[l.Name] = len(l.Features)
	}
	return out
}

var nogales = orb.Point{-110.9425, 31.3340}

func TestBuild_DemoLayers_ReadBackAsMVT(t *testing.T) {
	layers, err := DemoLayers()
	if err != nil {
		t.Fatal(err)
	}
	rd := buildArchive(t, layers, Options{})
	h := rd.Header
	if h.TileType != TileTypeMVT || h.TileCompression != CompressionGzip || h.MinZoom != 0 || h.MaxZoom != 14 {
		t.Fatalf("header: %+v", h)
	}
	if c := float64(h.CenterLonE7) / 1e7; c > -110.5 || c < -111.5 {
		t.Errorf("centre lon %v is not near Nogales", c)
	}
	// At the DeConcini port at zoom 14: the roads, the wash, the town, the
	// port and the border all meet.
	got := tileLayers(t, rd, nogales, 14)
	for _, k := range []Kind{KindRoads, KindRivers, KindSettlements, KindCheckpoints, KindBorders} {
		if got[string(k)] == 0 {
			t.Errorf("zoom-14 tile at Nogales has no %s features: %v", k, got)
		}
	}
	// Far from any layer there is no tile.
	far := maptile.At(orb.Point{10, 50}, 14)
	if _, ok, err := rd.Tile(14, far.X, far.Y); ok || err != nil {
		t.Errorf("tile over Europe: ok=%v err=%v, want none", ok, err)
	}
	// Every entry the directories hold is a tile that decodes.
	n := uint64(0)
	err = rd.Entries(func(e Entry) error {
		n += uint64(e.RunLength)
		z, x, y := TileZXY(e.TileID)
		data, ok, err := rd.Tile(z, x, y)
		if err != nil || !ok {
			t.Fatalf("entry %d (%d/%d/%d): ok=%v err=%v", e.TileID, z, x, y, ok, err)
		}
		if _, err := mvt.UnmarshalGzipped(data); err != nil {
			t.Fatalf("tile %d/%d/%d: %v", z, x, y, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != h.AddressedTiles {
		t.Errorf("directories address %d tiles, header says %d", n, h.AddressedTiles)
	}
	md, err := rd.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	if vl, _ := md["vector_layers"].([]any); len(vl) != 5 {
		t.Errorf("metadata vector_layers = %v, want 5 layers", md["vector_layers"])
	}
}

// The shared US–Mexico data: a long border line and two large country
// polygons, the shape of what an agency brings.
func sharedLayers(t testing.TB) []Layer {
	dir := testenv.SharedData(t)
	countries, err := ReadLayerFile(KindCountries, filepath.Join(dir, "borders/extracts/us_mexico_countries_ne50m_clip_border_region.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	border, err := ReadLayerFile(KindBorders, filepath.Join(dir, "borders/extracts/us_mexico_border_lines_ne10m.geojson"))
	if err != nil {
		t.Fatal(err)
	}
	return []Layer{countries, border}
}

func TestBuild_SharedUSMexico_BorderDrivesDeepTiles(t *testing.T) {
	rd := buildArchive(t, sharedLayers(t), Options{MaxZoom: 10})
	got := tileLayers(t, rd, orb.Point{-110.94, 31.3322}, 10)
	if got["borders"] == 0 || got["countries"] == 0 {
		t.Errorf("zoom-10 tile on the border at Nogales: %v, want borders and countries", got)
	}
	// Inside Texas, far from the line, the countries layer stops at its
	// background zoom (7) and no zoom-10 tile exists.
	in := maptile.At(orb.Point{-100, 31}, 10)
	if _, ok, _ := rd.Tile(10, in.X, in.Y); ok {
		t.Errorf("zoom-10 tile inside Texas exists; background layers must not drive deep tiles")
	}
	if got := tileLayers(t, rd, orb.Point{-100, 31}, 7); got["countries"] == 0 {
		t.Errorf("zoom-7 tile inside Texas: %v, want countries", got)
	}
}

func TestParseLayerSpec_RefusesUnknownKind(t *testing.T) {
	if _, _, err := ParseLayerSpec("motorways:x.geojson"); err == nil {
		t.Fatal("unknown kind accepted")
	}
	if _, _, err := ParseLayerSpec("roads"); err == nil {
		t.Fatal("spec without a file accepted")
	}
	k, f, err := ParseLayerSpec("Roads:dir/a:b.geojson")
	if err != nil || k != KindRoads || f != "dir/a:b.geojson" {
		t.Fatalf("got %q %q %v", k, f, err)
	}
}

func TestParseLayer_RefusesBadInput(t *testing.T) {
	for name, in := range map[string]string{
		"null coordinate": `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[null,31]}}]}`,
		"out of range":    `{"type":"Point","coordinates":[200,31]}`,
		"no features":     `{"type":"FeatureCollection","features":[]}`,
		"not json":        `{"type":`,
		"neither":         `hello`,
		"no geometry":     `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}`,
	} {
		if _, err := ParseLayer(KindRoads, name, []byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A null property is fine.
	if _, err := ParseLayer(KindRoads, "ok", []byte(`{"type":"Feature","properties":{"name":null},"geometry":{"type":"Point","coordinates":[-110,31]}}`)); err != nil {
		t.Errorf("null property refused: %v", err)
	}
}

func TestBuild_RefusesBadOptions(t *testing.T) {
	layers, _ := DemoLayers()
	if _, _, err := Build(layers, Options{MaxZoom: 17}); err == nil {
		t.Error("max zoom 17 accepted")
	}
	if _, _, err := Build(layers, Options{MinZoom: 9, MaxZoom: 8}); err == nil {
		t.Error("min zoom above max accepted")
	}
	if _, _, err := Build(nil, Options{}); err == nil {
		t.Error("no layers accepted")
	}
}

func BenchmarkBuild_SharedUSMexico(b *testing.B) {
	layers := sharedLayers(b)
	for b.Loop() {
		a, st, err := Build(layers, Options{MaxZoom: 12})
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := a.WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(st.Tiles), "tiles")
		b.ReportMetric(float64(buf.Len()), "bytes")
	}
}
