package simulator

import "math"

const (
	earthRadiusM = 6371000.0
	gravity      = 9.80665
	deg          = math.Pi / 180
)

// offset moves a point by north/east metres. Equirectangular: exact enough
// for the few tens of kilometres a patrol spans.
func offset(lat, lon, north, east float64) (float64, float64) {
	return lat + north/earthRadiusM/deg, lon + east/(earthRadiusM*math.Cos(lat*deg))/deg
}

// northEast returns the north/east metres from (lat0, lon0) to (lat, lon).
func northEast(lat0, lon0, lat, lon float64) (north, east float64) {
	return (lat - lat0) * deg * earthRadiusM, (lon - lon0) * deg * earthRadiusM * math.Cos(lat0*deg)
}

func distance(lat0, lon0, lat, lon float64) float64 {
	n, e := northEast(lat0, lon0, lat, lon)
	return math.Hypot(n, e)
}

// wrap180 brings an angle in degrees into (-180, 180].
func wrap180(a float64) float64 {
	a = math.Mod(a, 360)
	if a > 180 {
		a -= 360
	} else if a <= -180 {
		a += 360
	}
	return a
}

func wrap360(a float64) float64 {
	a = math.Mod(a, 360)
	if a < 0 {
		a += 360
	}
	return a
}

func clamp(v, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, v)) }

// pointInPolygon is the even-odd ray test on lat/lon vertices; fences are
// small enough that treating degrees as planar does not matter.
func pointInPolygon(lat, lon float64, poly [][2]float64) bool {
	in := false
	for i, j := 0, len(poly)-1; i < len(poly); j, i = i, i+1 {
		yi, xi := poly[i][0], poly[i][1]
		yj, xj := poly[j][0], poly[j][1]
		if (yi > lat) != (yj > lat) && lon < (xj-xi)*(lat-yi)/(yj-yi)+xi {
			in = !in
		}
	}
	return in
}

// validLatLon refuses positions the flight code cannot fly to (NaN, the
// poles, out of range), which a GCS could send by mistake.
func validLatLon(lat, lon float64) bool {
	return !math.IsNaN(lat) && !math.IsNaN(lon) && math.Abs(lat) <= 85 && math.Abs(lon) <= 180
}
