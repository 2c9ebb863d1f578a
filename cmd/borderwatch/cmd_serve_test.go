package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/borderwatch/borderwatch/internal/testenv"
)

// serve --layer takes GeoJSON and KML alike; a bad layer stops the server
// from starting, with the file named.
func TestLoadLayerFlags_GeoJSONAndKML(t *testing.T) {
	kml := filepath.Join(testenv.SharedData(t), "kml/mavlink_qgroundcontrol/PolygonGood.kml")
	geo := filepath.Join(testenv.SharedData(t), "borders/extracts")
	entries, err := os.ReadDir(geo)
	if err != nil || len(entries) == 0 {
		t.Fatalf("no border extracts in %s: %v", geo, err)
	}
	border := filepath.Join(geo, entries[0].Name())
	layers, err := loadLayerFlags([]string{"border:" + border, "no_fly:" + kml})
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 2 || layers[0].Kind != "border" || layers[1].Kind != "no_fly" || len(layers[1].Features.Features) == 0 {
		t.Fatalf("layers %+v", layers)
	}
	bad := filepath.Join(testenv.SharedData(t), "kml/mavlink_qgroundcontrol/PolygonBadXml.kml")
	if _, err := loadLayerFlags([]string{"no_fly:" + bad}); err == nil || !strings.Contains(err.Error(), "PolygonBadXml.kml") {
		t.Fatalf("bad KML: %v", err)
	}
	if _, err := loadLayerFlags([]string{"moat:" + kml}); err == nil {
		t.Fatal("unknown layer kind accepted")
	}

	// And the server serves them.
	sys, err := startServer(serverOptions{links: stringList{"udp://127.0.0.1:0"}, http: "127.0.0.1:0",
		data: filepath.Join(t.TempDir(), "bw.db"), layerObjs: layers})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Close()
	authedSystem(t, sys)
	res, err := apiClient(t, sys.web.URL()).Get(sys.web.URL() + "/api/v1/layers")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list []struct{ Kind string }
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil || len(list) != 2 {
		t.Fatalf("GET /api/v1/layers: %v %+v", err, list)
	}
}
