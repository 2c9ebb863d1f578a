package basemap

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

func TestTileID_KnownValuesAndRoundTrip(t *testing.T) {
	// Values from the PMTiles spec's examples (spec/v3/spec.md, "Tile IDs").
	for _, c := range []struct {
		z    uint8
		x, y uint32
		id   uint64
	}{{0, 0, 0, 0}, {1, 0, 0, 1}, {1, 0, 1, 2}, {1, 1, 1, 3}, {1, 1, 0, 4}, {2, 0, 0, 5}} {
		if got := TileID(c.z, c.x, c.y); got != c.id {
			t.Errorf("TileID(%d,%d,%d) = %d, want %d", c.z, c.x, c.y, got, c.id)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		z := uint8(r.IntN(27))
		x, y := r.Uint32N(1<<z), r.Uint32N(1<<z)
		if gz, gx, gy := TileZXY(TileID(z, x, y)); gz != z || gx != x || gy != y {
			t.Fatalf("%d/%d/%d → %d/%d/%d", z, x, y, gz, gx, gy)
		}
	}
}

func TestWriteTo_LeafDirectoriesWhenRootOverflows(t *testing.T) {
	// 40 000 scattered tiles cannot fit a 16 KiB root: leaves are needed.
	a := &Archive{TileType: TileTypePNG, TileCompression: CompressionNone}
	want := map[uint64][]byte{}
	r := rand.New(rand.NewPCG(3, 4))
	for i := range uint32(40000) {
		z, x, y := uint8(16), r.Uint32N(1<<16), r.Uint32N(1<<16)
		data := []byte{byte(i), byte(i >> 8), byte(i >> 16), 7}
		a.Put(z, x, y, data)
		want[TileID(z, x, y)] = data
	}
	// And a run of identical tiles at zoom 11.
	for x := range uint32(100) {
		a.Put(11, x, 0, []byte("same"))
	}
	rd, _ := writeAndOpen(t, a)
	if rd.Header.LeafDirsLength == 0 {
		t.Fatal("no leaf directories written")
	}
	if rd.Header.AddressedTiles != uint64(len(want))+100 || rd.Header.TileContents != uint64(len(want))+1 {
		t.Errorf("addressed %d contents %d", rd.Header.AddressedTiles, rd.Header.TileContents)
	}
	for id, data := range want {
		z, x, y := TileZXY(id)
		got, ok, err := rd.Tile(z, x, y)
		if err != nil || !ok || !bytes.Equal(got, data) {
			t.Fatalf("tile %d/%d/%d: %v %v %x", z, x, y, ok, err, got)
		}
	}
	for x := range uint32(100) {
		if got, ok, _ := rd.Tile(11, x, 0); !ok || string(got) != "same" {
			t.Fatalf("run tile 11/%d/0: %q", x, got)
		}
	}
	if _, ok, _ := rd.Tile(11, 100, 0); ok {
		t.Error("tile past the run found")
	}
}

// FuzzOpen: a reader of outside input refuses bad archives with an error
// and never panics; whatever it accepts answers every tile request with
// bytes inside the tile-data section or a clear "none".
func FuzzOpen(f *testing.F) {
	layers, err := DemoLayers()
	if err != nil {
		f.Fatal(err)
	}
	a, _, err := Build(layers, Options{MaxZoom: 8})
	if err != nil {
		f.Fatal(err)
	}
	var b bytes.Buffer
	a.WriteTo(&b)
	f.Add(b.Bytes())
	f.Add(b.Bytes()[:HeaderLen])
	f.Add([]byte("PMTiles"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rd, err := Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if rd != nil {
				t.Fatal("error with a reader")
			}
			return
		}
		h := rd.Header
		n := 0
		rd.Entries(func(e Entry) error {
			z, x, y := TileZXY(e.TileID)
			got, ok, err := rd.Tile(z, x, y)
			if err == nil && ok && uint64(len(got)) > h.TileDataLength {
				t.Fatalf("tile %d/%d/%d longer than the tile data", z, x, y)
			}
			n++
			if n > 100 {
				return errStop
			}
			return nil
		})
		for z := uint8(0); z <= 3; z++ {
			got, ok, err := rd.Tile(z, 0, 0)
			if err != nil && ok {
				t.Fatal("ok with an error")
			}
			if ok && uint64(len(got)) > h.TileDataLength {
				t.Fatal("tile longer than the tile data")
			}
		}
		rd.Metadata()
	})
}

type stopErr struct{}

func (stopErr) Error() string { return "stop" }

var errStop = stopErr{}
