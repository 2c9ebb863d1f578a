package missions

import "errors"

// Sentinel errors of the plan model and its file formats. Every error the
// readers return wraps one of these (test with errors.Is) and says in its
// text what is wrong and where.
var (
	// ErrBadItems means a list of wire items (fence or rally above all) is
	// not something a vehicle could hold: a command in the wrong list, a
	// polygon whose vertex count disagrees with its items, a radius of 0.
	ErrBadItems = errors.New("inconsistent mission items")

	// ErrBadPlanFile means a plan file (QGC .plan, QGC WPL, legacy fence or
	// rally list) could not be read.
	ErrBadPlanFile = errors.New("bad plan file")

	// ErrUnknownFormat means a file is none of the plan formats Borderwatch
	// reads, or a file name's extension names no format it writes.
	ErrUnknownFormat = errors.New("unknown plan file format")

	// ErrInvalidPlan is wrapped by Problems.Err: the plan was read but
	// Validate found errors in it.
	ErrInvalidPlan = errors.New("plan is not valid")
)
