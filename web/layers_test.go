package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

func postLayer(t *testing.T, s *Server, query string, body []byte) (int, map[string]any) {
	t.Helper()
	typ := "application/geo+json"
	if bytes.HasPrefix(bytes.TrimSpace(body), []byte("<")) {
		typ = "application/vnd.google-earth.kml+xml"
	}
	resp, err := client(t, s).Post(s.URL()+"/api/v1/layers?"+query, typ, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

// Layers come in over HTTP as GeoJSON or KML, typed; bad files are refused
// with the reader's reason and leave the layer list as it was.
func TestLayerImport_GeoJSONAndKML_BadRefused(t *testing.T) {
	s, _ := newTestServer(t)
	data := testenv.SharedData(t)
	ne, err := os.ReadFile(filepath.Join(data, "borders", "natural_earth", "ne_10m_admin_0_boundary_lines_land.json"))
	if err != nil {
		t.Fatal(err)
	}
	code, out := postLayer(t, s, "kind=border&name=NE%2010m", ne)
	if code != http.StatusCreated || out["features"].(float64) != 462 || out["name"] != "NE 10m" {
		t.Fatalf("%d %v", code, out)
	}
	kml, err := os.ReadFile(filepath.Join(data, "kml", "mavlink_qgroundcontrol", "PolygonGood.kml"))
	if err != nil {
		t.Fatal(err)
	}
	code, out = postLayer(t, s, "kind=no_fly", kml)
	if code != http.StatusCreated || out["kind"] != "no_fly" || out["id"] != "upload-2" {
		t.Fatalf("%d %v", code, out)
	}
	bad, err := os.ReadFile(filepath.Join(data, "kml", "mavlink_qgroundcontrol", "PolygonMissingNode.kml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		query string
		body  []byte
		want  string
	}{
		{"kind=no_fly", bad, "has no Point, LineString, Polygon or MultiGeometry"},
		{"kind=border", kml, "holds lines, not a Polygon"},
		{"kind=moat", kml, `kind "moat"`},
		{"kind=border", []byte(`{"type":"LineString","coordinates":[[31.3,-110.9],[31.3,-111.0]]}`), "is not a [lon, lat] position"},
	} {
		code, out := postLayer(t, s, c.query, c.body)
		if code != http.StatusBadRequest || !strings.Contains(out["error"].(string), c.want) {
			t.Errorf("%s: %d %v, want 400 saying %q", c.query, code, out, c.want)
		}
	}
	resp, err := client(t, s).Get(s.URL() + "/api/v1/layers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []layerSummary
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 {
		t.Fatalf("%d layers after 2 good and 4 bad imports", len(list))
	}
}
