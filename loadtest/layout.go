package loadtest

import "math"

// layout places the fleet on a grid so that every client's view holds a
// known set of drones for the whole run. Drone i sits in cell (i / cols,
// i % cols), cells cellDeg apart; it flies a circle of radius orbitDeg
// around its cell's centre, well inside the cell, so it never crosses a
// view's edge (views are whole rows of cells, edges half-way between
// centres). The cell a position falls in names the drone, whatever id the
// server gives it (ids depend on the server's networks).
type layout struct {
	drones, cols, rows int
	viewRows           int // rows of cells in one client's view
}

const (
	latBase  = 31.0
	lonBase  = -111.0
	cellDeg  = 0.01  // about 1 km
	orbitDeg = 0.003 // the circle each drone flies, inside its cell
)

// newLayout makes a grid of about sqrt(inView) columns, so that a view of
// viewRows whole rows holds about inView drones.
func newLayout(drones, inView int) layout {
	inView = max(1, min(inView, drones))
	cols := max(1, int(math.Round(math.Sqrt(float64(inView)))))
	l := layout{drones: drones, cols: cols, rows: (drones + cols - 1) / cols}
	l.viewRows = max(1, min(l.rows, (inView+cols/2)/cols))
	return l
}

// centre is drone i's cell centre.
func (l layout) centre(i int) (lat, lon float64) {
	return latBase + float64(i/l.cols)*cellDeg, lonBase + float64(i%l.cols)*cellDeg
}

// position is where drone i is at tick of a run at rate Hz: one turn of
// its circle a minute, each drone at its own phase.
func (l layout) position(i, tick int, rate float64) (lat, lon float64) {
	lat, lon = l.centre(i)
	a := 2*math.Pi*float64(tick)/(rate*60) + float64(i)
	return lat + orbitDeg*math.Sin(a), lon + orbitDeg*math.Cos(a)
}

// drone is the drone whose cell holds a position, or -1.
func (l layout) drone(lat, lon float64) int {
	r := int(math.Round((lat - latBase) / cellDeg))
	c := int(math.Round((lon - lonBase) / cellDeg))
	if r < 0 || c < 0 || c >= l.cols || r >= l.rows {
		return -1
	}
	if i := r*l.cols + c; i < l.drones {
		return i
	}
	return -1
}

// view is client k of n's first row of cells: the clients' views are
// spread evenly over the fleet (overlapping when they hold more than it).
func (l layout) viewFirstRow(k, n int) int {
	if n <= 1 || l.rows <= l.viewRows {
		return 0
	}
	return k * (l.rows - l.viewRows) / (n - 1)
}

// bbox is the view [west, south, east, north] of rows [first, first+viewRows).
func (l layout) bbox(first int) [4]float64 {
	h := cellDeg / 2
	return [4]float64{
		lonBase - h, latBase + float64(first)*cellDeg - h,
		lonBase + float64(l.cols-1)*cellDeg + h, latBase + float64(first+l.viewRows-1)*cellDeg + h,
	}
}

// inView reports whether drone i is in the view starting at row first.
func (l layout) inView(i, first int) bool {
	r := i / l.cols
	return r >= first && r < first+l.viewRows
}

// viewSize is how many drones the view starting at row first holds.
func (l layout) viewSize(first int) int {
	n := 0
	for r := first; r < first+l.viewRows && r < l.rows; r++ {
		n += min(l.cols, l.drones-r*l.cols)
	}
	return n
}
