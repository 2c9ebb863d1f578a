package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/borderwatch/borderwatch/missions"
)

// planSubcommands are the subcommands of "borderwatch plan". Each lives in
// its own file (cmd_plan_NAME.go) and adds itself in init() with
// registerPlan, exactly as top-level commands use register; its flags are
// parsed by runPlan, before or after the arguments.
var planSubcommands []command

func registerPlan(c command) { planSubcommands = append(planSubcommands, c) }

func init() {
	register(command{
		name:        "plan",
		summary:     "Convert, validate and generate mission plans (QGC .plan, QGC WPL 110, GeoJSON, KML).",
		usage:       "SUBCOMMAND [flags] [arguments]",
		subcommands: true,
		flags: func(*flag.FlagSet) func(context.Context, *env, []string) error {
			return runPlan
		},
	})
	registerPlan(command{
		name:    "convert",
		summary: "Convert a plan between file formats.",
		usage:   "IN OUT [--format F] [--in-format F] [--fence FILE] [--rally FILE]",
		flags:   planConvertFlags,
	})
	registerPlan(command{
		name:    "validate",
		summary: "Check a plan: positions, altitudes, fence polygons, item counts.",
		usage:   "FILE [--max-alt M] [--firmware ardupilot|px4] [--fence FILE] [--rally FILE] [--border FILE [--min-border-dist D] [--min-fence-border-dist D] [--side COUNTRY]] [--strict]",
		flags:   planValidateFlags,
	})
}

func runPlan(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := e.stdout
		if len(args) == 0 {
			w = e.stderr
		}
		planUsage(w)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	i := slices.IndexFunc(planSubcommands, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		fmt.Fprintf(e.stderr, "borderwatch plan: unknown subcommand %q\n\n", args[0])
		planUsage(e.stderr)
		return errUsage
	}
	c := planSubcommands[i]
	err := runOne(ctx, e, "plan "+c.name, c, args[1:])
	if err != nil && !errors.Is(err, errUsage) {
		return fmt.Errorf("%s: %w", c.name, err)
	}
	return err
}

func planUsage(w io.Writer) {
	fmt.Fprintf(w, "Convert, validate and generate mission plans.\n\nUsage: borderwatch plan SUBCOMMAND [flags] [arguments]\n\nSubcommands:\n")
	cs := slices.Clone(planSubcommands)
	slices.SortFunc(cs, func(a, b command) int { return strings.Compare(a.name, b.name) })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nFormats: %s (chosen from the file's extension or content).\n", formatNames())
	fmt.Fprintf(w, "Run 'borderwatch plan SUBCOMMAND --help' for its flags.\n")
}

func formatNames() string {
	s := make([]string, len(missions.Formats))
	for i, f := range missions.Formats {
		s[i] = string(f)
	}
	return strings.Join(s, ", ")
}

// planInput is how the plan subcommands read their input: one file, plus
// fence and rally lists kept in files of their own (as Mission Planner and
// MAVProxy save them).
type planInput struct {
	inFormat     string
	fence, rally string
	home         string
}

func (in *planInput) declare(fs *flag.FlagSet) {
	fs.StringVar(&in.inFormat, "in-format", "", "format of the input ("+formatNames()+"); by default told from its content")
	fs.StringVar(&in.fence, "fence", "", "also read the fence from this file (QGC WPL fence, legacy fence list, .plan …)")
	fs.StringVar(&in.rally, "rally", "", "also read the rally points from this file (QGC WPL rally, RALLY list, .plan …)")
	fs.StringVar(&in.home, "home", "auto", "QGC WPL missions: is item 0 home? auto (when it is a WAYPOINT in frame 0), first, none")
}

func (in *planInput) read(e *env, name string) (*missions.Plan, error) {
	var home missions.WPLHome
	switch in.home {
	case "auto":
		home = missions.WPLHomeAuto
	case "first":
		home = missions.WPLHomeFirst
	case "none":
		home = missions.WPLHomeNone
	default:
		return nil, fmt.Errorf("--home is %q, want auto, first or none", in.home)
	}
	var f missions.Format
	if in.inFormat != "" {
		var err error
		if f, err = missions.ParseFormat(in.inFormat); err != nil {
			return nil, fmt.Errorf("--in-format: %w", err)
		}
	}
	p, err := readPlanFile(name, f, home)
	if err != nil {
		return nil, err
	}
	for _, extra := range []struct{ flag, file string }{{"--fence", in.fence}, {"--rally", in.rally}} {
		if extra.file == "" {
			continue
		}
		q, err := readPlanFile(extra.file, "", home)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", extra.flag, err)
		}
		if err := p.Merge(q); err != nil {
			return nil, fmt.Errorf("%s %s: %w", extra.flag, extra.file, err)
		}
	}
	for _, n := range p.Notes {
		fmt.Fprintf(e.stderr, "note: %s\n", n)
	}
	return p, nil
}

func readPlanFile(name string, f missions.Format, home missions.WPLHome) (*missions.Plan, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	if f == "" {
		if f, err = missions.DetectFormat(data); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	var p *missions.Plan
	if f == missions.FormatWPL {
		p, err = missions.ReadWPL(data, home)
	} else {
		p, err = missions.ReadPlanData(data, f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return p, nil
}

func planConvertFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	var in planInput
	in.declare(fs)
	format := fs.String("format", "", "output format ("+formatNames()+"); by default told from OUT's extension")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 2 {
			return fmt.Errorf("want IN and OUT, got %d argument(s)", len(args))
		}
		src, dst := args[0], args[1]
		if same, _ := sameFile(src, dst); same {
			return fmt.Errorf("IN and OUT are the same file %s; write to another name", dst)
		}
		p, err := in.read(e, src)
		if err != nil {
			return err
		}
		var f missions.Format
		if *format != "" {
			f, err = missions.ParseFormat(*format)
		} else {
			f, err = missions.FormatForName(dst)
		}
		if err != nil {
			return err
		}
		outs, err := planOutputs(p, f, dst)
		if err != nil {
			return err
		}
		for _, o := range outs {
			if err := writeFileAtomic(o.name, o.data); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %s (%s)\n", o.name, o.what)
		}
		for _, w := range missions.LostInFormat(p, f) {
			fmt.Fprintf(e.stderr, "note: %s\n", w)
		}
		return nil
	}
}

type planOutput struct {
	name, what string
	data       []byte
}

// planOutputs renders the plan in format f. QGC WPL holds one list per
// file: the mission goes to OUT and a fence or rally points beside it as
// NAME.fence.EXT and NAME.rally.EXT (or to OUT when the plan holds only
// that list).
func planOutputs(p *missions.Plan, f missions.Format, dst string) ([]planOutput, error) {
	summary := fmt.Sprintf("%s: %d mission items, %d fence items, %d rally points", f, len(p.Mission), len(p.Items(missions.TypeFence)), len(p.Rally))
	if f != missions.FormatWPL {
		data, err := missions.WritePlanData(p, f)
		if err != nil {
			return nil, err
		}
		return []planOutput{{dst, summary, data}}, nil
	}
	lists := []missions.MissionType{}
	if len(p.Mission) > 0 || p.Home != nil {
		lists = append(lists, missions.TypeMission)
	}
	if !p.Fence.IsEmpty() {
		lists = append(lists, missions.TypeFence)
	}
	if len(p.Rally) > 0 {
		lists = append(lists, missions.TypeRally)
	}
	if len(lists) == 0 {
		lists = append(lists, missions.TypeMission)
	}
	ext := filepath.Ext(dst)
	stem := strings.TrimSuffix(dst, ext)
	var outs []planOutput
	for i, t := range lists {
		data, err := missions.WriteWPL(p, t)
		if err != nil {
			return nil, err
		}
		name := dst
		if i > 0 {
			name = stem + "." + t.String() + ext
		}
		outs = append(outs, planOutput{name, fmt.Sprintf("QGC WPL 110 %s, %d items", t, len(p.Items(t))), data})
	}
	return outs, nil
}

func planValidateFlags(fs *flag.FlagSet) func(context.Context, *env, []string) error {
	var in planInput
	in.declare(fs)
	var lim missions.Limits
	fs.Float64Var(&lim.MaxAltM, "max-alt", 0, "highest altitude above home in metres (default 500)")
	fs.IntVar(&lim.MaxMissionItems, "max-items", 0, "most mission items the vehicle stores (default per firmware)")
	firmware := fs.String("firmware", "", "check against ardupilot or px4 limits (default: the plan's firmwareType)")
	strict := fs.Bool("strict", false, "fail on warnings too")
	border := fs.String("border", "", "border layer (GeoJSON or KML lines): the mission, home, rally points and inclusion fences must stay on our side of it, none crossing it")
	minBorder := distanceFlag(0)
	fs.Var(&minBorder, "min-border-dist", "nearest a mission leg, rally point or fence return point may come to the --border line")
	minFence := distanceFlag(0)
	fs.Var(&minFence, "min-fence-border-dist", "nearest an inclusion fence may come to the --border line (default half --min-border-dist, at least 50m)")
	ourSide := fs.String("side", "", "our side: a country the --border layer names (default the side home is on)")
	return func(ctx context.Context, e *env, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("want one FILE, got %d argument(s)", len(args))
		}
		rules := missions.GeoRules{MinBorderDistM: float64(minBorder), MinFenceBorderDistM: float64(minFence), OurSide: *ourSide}
		if *border != "" {
			data, err := os.ReadFile(*border)
			if err != nil {
				return err
			}
			layer, err := missions.ParseLayer(data, "border", filepath.Base(*border), missions.LayerBorder)
			if err != nil {
				return err
			}
			if rules.Border, err = missions.NewBorderIndex(layer); err != nil {
				return err
			}
		} else if minBorder > 0 || minFence > 0 || *ourSide != "" {
			return fmt.Errorf("--min-border-dist, --min-fence-border-dist and --side: each needs --border")
		}
		p, err := in.read(e, args[0])
		if err != nil {
			return err
		}
		switch *firmware {
		case "":
		case "ardupilot":
			p.Vehicle.FirmwareType = missions.FirmwareArduPilot
		case "px4":
			p.Vehicle.FirmwareType = missions.FirmwarePX4
		default:
			return fmt.Errorf("--firmware is %q, want ardupilot or px4", *firmware)
		}
		// Where the plan flies (legs inside the fence, clear of exclusion
		// zones and the border) is checked after the shape of its items.
		probs := append(missions.Validate(p, lim), missions.ValidateGeo(p, rules)...)
		for _, pr := range probs {
			fmt.Fprintln(e.stdout, pr.String())
		}
		nErr := len(probs.Errors())
		nWarn := len(probs) - nErr
		fmt.Fprintf(e.stdout, "%s: %d mission items, %d fence items, %d rally points: %d error(s), %d warning(s)\n",
			args[0], len(p.Mission), len(p.Items(missions.TypeFence)), len(p.Rally), nErr, nWarn)
		if nErr > 0 {
			return fmt.Errorf("%s: %d error(s) found", args[0], nErr)
		}
		if *strict && nWarn > 0 {
			return fmt.Errorf("%s: %d warning(s) found and --strict is set", args[0], nWarn)
		}
		return nil
	}
}

// writeFileAtomic writes through a temporary file, an fsync and a rename
// (renameio), so that neither a failed write nor a power cut leaves a
// half-written plan where a good one was.
func writeFileAtomic(name string, data []byte) error {
	return renameio.WriteFile(name, data, 0o644)
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}
