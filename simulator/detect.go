package simulator

import (
	"math"
	"time"

	"github.com/bluenviron/gomavlib/v3/pkg/dialects/common"

	"github.com/borderwatch/borderwatch/mavlink/dialect/borderwatch"
)

// Target is a ground target of a scenario: it appears at Appear and moves
// along Path at SpeedMS (and stays at the last point unless Loop).
type Target struct {
	// ID is the track id the drones report for it (stable per target).
	ID      uint32   `json:"id"`
	Class   string   `json:"class"` // person, vehicle, boat, animal
	Appear  Duration `json:"appear"`
	SpeedMS float64  `json:"speed_m_s"`
	Path    []LatLon `json:"path"`
	Loop    bool     `json:"loop,omitempty"`
	// (optional) CrossAt and CrossPoint time the target instead of Appear: it
	// passes the point of its path nearest CrossPoint (say, where the path
	// meets the border) at CrossAt.
	CrossAt    Duration `json:"cross_at,omitempty"`
	CrossPoint *LatLon  `json:"cross_point,omitempty"`

	class   borderwatch.BW_TARGET_CLASS
	lengths []float64
}

// LatLon is a point in degrees.
type LatLon struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

var targetClasses = map[string]borderwatch.BW_TARGET_CLASS{
	"person": borderwatch.BW_TARGET_CLASS_PERSON, "vehicle": borderwatch.BW_TARGET_CLASS_VEHICLE,
	"boat": borderwatch.BW_TARGET_CLASS_BOAT, "animal": borderwatch.BW_TARGET_CLASS_ANIMAL,
}

func (t *Target) prepare() {
	t.class = targetClasses[t.Class]
	t.lengths = make([]float64, len(t.Path))
	for i := 1; i < len(t.Path); i++ {
		t.lengths[i] = t.lengths[i-1] + distance(t.Path[i-1].Lat, t.Path[i-1].Lon, t.Path[i].Lat, t.Path[i].Lon)
	}
	if t.CrossPoint != nil && t.SpeedMS > 0 {
		t.Appear = Duration(t.CrossAt.D() - time.Duration(t.alongPath(*t.CrossPoint)/t.SpeedMS*float64(time.Second)))
	}
}

// alongPath is the distance along the path to the point nearest p.
func (t *Target) alongPath(p LatLon) float64 {
	best, bestD := 0.0, math.Inf(1)
	for i := 1; i < len(t.Path); i++ {
		a, b := t.Path[i-1], t.Path[i]
		bn, be := northEast(a.Lat, a.Lon, b.Lat, b.Lon)
		pn, pe := northEast(a.Lat, a.Lon, p.Lat, p.Lon)
		seg := bn*bn + be*be
		f := 0.0
		if seg > 0 {
			f = clamp((pn*bn+pe*be)/seg, 0, 1)
		}
		if d := math.Hypot(pn-f*bn, pe-f*be); d < bestD {
			best, bestD = t.lengths[i-1]+f*math.Sqrt(seg), d
		}
	}
	return best
}

// At returns where the target is at simulated time now, its course and
// speed; ok is false before it appears.
func (t *Target) At(now time.Duration) (lat, lon, course, speed float64, ok bool) {
	if now < t.Appear.D() || len(t.Path) == 0 {
		return 0, 0, 0, 0, false
	}
	if t.lengths == nil {
		t.prepare()
	}
	total := t.lengths[len(t.lengths)-1]
	s := (now - t.Appear.D()).Seconds() * t.SpeedMS
	speed = t.SpeedMS
	if total == 0 {
		return t.Path[0].Lat, t.Path[0].Lon, 0, 0, true
	}
	if s >= total {
		if !t.Loop {
			last := t.Path[len(t.Path)-1]
			return last.Lat, last.Lon, 0, 0, true
		}
		s = math.Mod(s, total)
	}
	i := 1
	for i < len(t.lengths)-1 && t.lengths[i] < s {
		i++
	}
	a, b := t.Path[i-1], t.Path[i]
	seg := t.lengths[i] - t.lengths[i-1]
	f := 0.0
	if seg > 0 {
		f = (s - t.lengths[i-1]) / seg
	}
	n, e := northEast(a.Lat, a.Lon, b.Lat, b.Lon)
	lat, lon = offset(a.Lat, a.Lon, n*f, e*f)
	return lat, lon, wrap360(math.Atan2(e, n) / deg), speed, true
}

// Camera is a drone's downward-looking sensor.
type Camera struct {
	// (optional) FOVDeg is the full cone angle of the footprint. Defaults to 60.
	FOVDeg float64 `json:"fov_deg,omitempty"`
	// (optional) RangeM is the slant range beyond which nothing is seen. Defaults to 600.
	RangeM float64 `json:"range_m,omitempty"`
	// (optional) Sensor is "eo" or "ir". Defaults to "eo".
	Sensor string `json:"sensor,omitempty"`
	// (optional) Misclassify is the chance of reporting a wrong class. Defaults to 0.05.
	Misclassify float64 `json:"misclassify,omitempty"`
	// (optional) Interval between sensor frames. Defaults to 1 s.
	Interval Duration `json:"interval,omitempty"`
	// (optional) TrackingStatus also sends CAMERA_TRACKING_GEO_STATUS for the nearest target.
	TrackingStatus bool `json:"tracking_status,omitempty"`
	// (optional) Off disables the camera.
	Off bool `json:"off,omitempty"`
}

func (c Camera) withDefaults() Camera {
	if c.FOVDeg == 0 {
		c.FOVDeg = 60
	}
	if c.RangeM == 0 {
		c.RangeM = 600
	}
	if c.Misclassify == 0 {
		c.Misclassify = 0.05
	}
	if c.Interval == 0 {
		c.Interval = Duration(time.Second)
	}
	return c
}

// detectProbability falls with slant range: near certain overhead, zero at the range limit.
func detectProbability(slant, rangeM float64) float64 {
	if slant >= rangeM {
		return 0
	}
	r := slant / rangeM
	return 0.95 * (1 - r*r)
}

// detect runs one sensor frame over the scenario's targets.
func (v *vehicle) detect(now time.Duration) {
	if v.cam.Off || len(v.f.targets) == 0 || !v.flying() || now-v.lastDetect < v.cam.Interval.D() {
		return
	}
	v.lastDetect = now
	agl := v.alt - v.groundAlt
	footprint := agl * math.Tan(v.cam.FOVDeg/2*deg)
	clear(v.seen)
	for i := range v.f.targets {
		t := &v.f.targets[i]
		lat, lon, course, speed, ok := t.At(now)
		if !ok {
			continue
		}
		d := distance(v.lat, v.lon, lat, lon)
		if d > footprint {
			continue
		}
		slant := math.Hypot(d, agl)
		p := detectProbability(slant, v.cam.RangeM)
		if v.rng.Float64() >= p {
			continue
		}
		class := t.class
		conf := clamp(100*(0.55+0.4*p)+v.rng.NormFloat64()*5, 1, 99)
		if v.rng.Float64() < v.cam.Misclassify {
			others := []borderwatch.BW_TARGET_CLASS{borderwatch.BW_TARGET_CLASS_PERSON, borderwatch.BW_TARGET_CLASS_VEHICLE,
				borderwatch.BW_TARGET_CLASS_ANIMAL, borderwatch.BW_TARGET_CLASS_UNKNOWN}
			for class == t.class {
				class = others[v.rng.IntN(len(others))]
			}
			conf *= 0.6
		}
		// Position error grows with range (about 1 % of the slant range, 1σ).
		eN, eE := v.rng.NormFloat64()*0.01*slant, v.rng.NormFloat64()*0.01*slant
		elat, elon := offset(lat, lon, eN, eE)
		sensor := borderwatch.BW_SENSOR_EO
		if v.cam.Sensor == "ir" {
			sensor = borderwatch.BW_SENSOR_IR
		}
		v.seen[int(i)] = true
		v.Stats.Detections++
		v.send(&borderwatch.MessageDetection{
			TimeUsec: uint64(v.f.epoch.Add(now).UnixMicro()), TrackId: t.ID,
			Lat: int32(math.Round(elat * 1e7)), Lon: int32(math.Round(elon * 1e7)), Alt: float32(v.groundAlt),
			Range: float32(slant), Heading: float32(course), Speed: float32(speed),
			TargetClass: class, Confidence: uint8(conf), Sensor: sensor,
		})
	}
}

// sendTracking reports the nearest target seen in the last sensor frame.
func (v *vehicle) sendTracking(now time.Duration) {
	best, bestD := -1, math.Inf(1)
	var blat, blon, bcourse, bspeed float64
	for i := range v.seen {
		lat, lon, course, speed, ok := v.f.targets[i].At(now)
		if !ok {
			continue
		}
		if d := distance(v.lat, v.lon, lat, lon); d < bestD {
			best, bestD, blat, blon, bcourse, bspeed = i, d, lat, lon, course, speed
		}
	}
	if best < 0 {
		return
	}
	nan := float32(math.NaN())
	v.send(&common.MessageCameraTrackingGeoStatus{TrackingStatus: common.CAMERA_TRACKING_STATUS_FLAGS_ACTIVE,
		Lat: int32(math.Round(blat * 1e7)), Lon: int32(math.Round(blon * 1e7)), Alt: float32(v.groundAlt),
		HAcc: float32(0.01 * bestD), VAcc: nan, VelN: float32(bspeed * math.Cos(bcourse*deg)), VelE: float32(bspeed * math.Sin(bcourse*deg)),
		VelD: 0, VelAcc: nan, Dist: float32(math.Hypot(bestD, v.alt-v.groundAlt)), Hdg: float32(bcourse * deg), HdgAcc: nan})
}
