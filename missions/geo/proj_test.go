package geo

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
)

// vincenty is Vincenty's inverse formula on WGS84, written here independently
// of the geodesic library the projection uses, as the reference distance.
func vincenty(t *testing.T, p1, p2 orb.Point) float64 {
	const a, f = 6378137.0, 1 / 298.257223563
	b := a * (1 - f)
	rad := math.Pi / 180
	L := (p2[0] - p1[0]) * rad
	U1 := math.Atan((1 - f) * math.Tan(p1[1]*rad))
	U2 := math.Atan((1 - f) * math.Tan(p2[1]*rad))
	sinU1, cosU1 := math.Sincos(U1)
	sinU2, cosU2 := math.Sincos(U2)
	lambda := L
	var sinSigma, cosSigma, sigma, cos2Alpha, cos2SigmaM float64
	for iter := 0; ; iter++ {
		if iter > 200 {
			t.Fatalf("vincenty did not converge for %v %v", p1, p2)
		}
		sinL, cosL := math.Sincos(lambda)
		sinSigma = math.Hypot(cosU2*sinL, cosU1*sinU2-sinU1*cosU2*cosL)
		if sinSigma == 0 {
			return 0
		}
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosL
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinL / sinSigma
		cos2Alpha = 1 - sinAlpha*sinAlpha
		cos2SigmaM = cosSigma - 2*sinU1*sinU2/cos2Alpha
		C := f / 16 * cos2Alpha * (4 + f*(4-3*cos2Alpha))
		prev := lambda
		lambda = L + (1-C)*f*sinAlpha*(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.Abs(lambda-prev) < 1e-13 {
			break
		}
	}
	u2 := cos2Alpha * (a*a - b*b) / (b * b)
	A := 1 + u2/16384*(4096+u2*(-768+u2*(320-175*u2)))
	B := u2 / 1024 * (256 + u2*(-128+u2*(74-47*u2)))
	dSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)-
		B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*cos2SigmaM*cos2SigmaM)))
	return b * A * (sigma - dSigma)
}

// A 100 km leg anywhere within 50 km of the projection's centre, in any
// direction and at any latitude a border patrol flies, keeps its length to
// within 1 m in the projection.
func TestProj_Forward_100kmLegUnder1m(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	worst := 0.0
	for _, lat := range []float64{0, 25.8, 31.3, 46.5, 60.5, 69} {
		c := orb.Point{-110 + 10*rng.Float64(), lat}
		p := NewProj(c)
		for range 200 {
			// Leg midpoint within 10 km of the centre, then ±50 km along a random azimuth:
			// both ends within ~60 km, the way a planner centres a projection on its leg.
			mid := Destination(c, rng.Float64()*360, rng.Float64()*10_000)
			az := rng.Float64() * 360
			a := Destination(mid, az, 50_000)
			b := Destination(mid, az+180, 50_000)
			ref := vincenty(t, a, b)
			if math.Abs(ref-100_000) > 50 {
				t.Fatalf("reference leg is %.1f m, not ~100 km", ref)
			}
			got := Dist(p.Forward(a), p.Forward(b))
			worst = max(worst, math.Abs(got-ref))
			if math.Abs(got-ref) >= 1 {
				t.Fatalf("lat %.1f: leg %v-%v projected %.3f m, geodesic %.3f m: error %.3f m ≥ 1 m", lat, a, b, got, ref, got-ref)
			}
		}
	}
	t.Logf("worst error over 100 km legs: %.3f m", worst)
}

func TestProj_Inverse_RoundTrip(t *testing.T) {
	p := NewProj(orb.Point{-106.5, 31.7})
	rng := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		q := orb.Point{-106.5 + (rng.Float64()-0.5)*20, 31.7 + (rng.Float64()-0.5)*10}
		back := p.Inverse(p.Forward(q))
		if d := Distance(q, back); d > 1e-6 {
			t.Fatalf("%v came back as %v (%.2e m off)", q, back, d)
		}
	}
}

// The scale bound is what makes planner standoffs conservative: projected
// distances are never shorter than geodesics and never longer than the bound.
func TestScaleBound_HoldsAgainstGeodesics(t *testing.T) {
	c := orb.Point{-107, 29.5}
	p := NewProj(c)
	rng := rand.New(rand.NewPCG(5, 6))
	for range 2000 {
		a := Destination(c, rng.Float64()*360, rng.Float64()*1_400_000)
		b := Destination(a, rng.Float64()*360, 100+rng.Float64()*5_000)
		rho := max(Distance(c, a), Distance(c, b))
		ratio := Dist(p.Forward(a), p.Forward(b)) / vincenty(t, a, b)
		if ratio < 1-1e-9 || ratio > ScaleBound(rho) {
			t.Fatalf("at %.0f km from the centre: projected/true = %.9f outside [1, %.9f]", rho/1000, ratio, ScaleBound(rho))
		}
	}
}
