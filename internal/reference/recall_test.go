package reference

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/caddy-privacy/caddy-privacy/config"
	"github.com/caddy-privacy/caddy-privacy/logs"
	"github.com/caddy-privacy/caddy-privacy/redact"
	"github.com/caddy-privacy/caddy-privacy/redact/country"
	"github.com/caddy-privacy/caddy-privacy/redact/country/countrytest"
	"github.com/caddy-privacy/caddy-privacy/redact/pseudonym"
)

// The targets of issue 14. The floors below are what the engine measured
// when this harness was written (the baseline, far from the targets); they
// stop regressions, and the lead raises them as detectors improve, until
// every recall floor is targetRecall and every false-positive ceiling is
// targetFP.
const (
	targetRecall = 99.5 // % of planted identifiers removed, per class and context
	targetFP     = 0.5  // % of hard negatives changed, per class
)

// contexts are the columns of recallFloor, in order.
var contexts = []string{"text", "query_plus", "query_pct", "combined", "caddy_json", "json_truncated", "broken"}

// recallFloor is the least recall (%) allowed per class and context, in
// the order of contexts: what the engine measured when issue 14 closed
// (the baseline before it, commit 7008052, is in bench/README.md). Target:
// targetRecall everywhere.
// REFERENCE_FLOORS=1 prints this table and fpCeiling for the engine of
// the day.
var recallFloor = map[string][7]float64{
	//               text query_plus query_pct combined caddy_json json_truncated broken
	"phone_gb":    {100, 100, 100, 100, 100, 100, 100},
	"phone_ie":    {99, 100, 100, 100, 100, 100, 100},
	"phone_fr":    {100, 100, 100, 100, 100, 100, 100},
	"phone_de":    {100, 100, 100, 100, 100, 100, 100},
	"phone_us":    {83, 100, 100, 100, 100, 100, 100},
	"phone_intl":  {100, 100, 100, 100, 100, 100, 100},
	"iban":        {100, 100, 100, 100, 100, 100, 100},
	"nhs":         {100, 100, 100, 100, 100, 100, 100},
	"card":        {100, 100, 100, 100, 100, 100, 100},
	"vat_gb":      {100, 100, 100, 100, 100, 100, 100},
	"nino":        {100, 100, 100, 100, 100, 100, 100},
	"postcode":    {87, 94, 88, 93, 92, 93, 96},
	"email":       {100, 99, 100, 100, 99, 99, 100},
	"ipv4":        {100, 100, 100, 100, 100, 100, 100},
	"ipv6":        {100, 100, 100, 100, 100, 100, 100},
	"path_id":     {100, 100, 99, 99, 100, 99, 100},
	"token_param": {99, 99, 98, 100, 99, 99, 99},
	"name":        {67, 78, 79, 76, 82, 73, 74},
}

// fpCeiling is the most false positives (%) allowed per class of hard
// negative, over every context: what the engine measured when issue 14
// closed. Target: targetFP everywhere. Two classes are above it by
// design in URL contexts: invoice numbers and ISBNs have more than six
// digits, and in a path or query value that shape is an id (fail closed
// by structure); in plain text they stay, but for contiguous ISBN-10s,
// whose check is the NHS number's (and, starting with 0, a phone
// number's shape). Place and product names lose words to the name
// detector (Dún Laoghaire).
var fpCeiling = map[string]float64{
	"capitalised_path": 0,
	"invoice_number":   86.2,
	"isbn10":           90,
	"iso_date":         1.5,
	"place_name":       14.3,
	"port":             2,
	"price":            2,
	"product_name":     7.2,
	"retina_image":     0,
	"search_words":     0,
	"semver_build":     1.5,
	"size":             0.5,
	"slug":             0,
	"time":             1,
	"timestamp14":      1,
	"version_file":     0,
}

// refCase is one line of testdata/cases.jsonl, written by gen-cases.mjs.
type refCase struct {
	Class    string `json:"class"`
	Context  string `json:"context"`
	Line     string `json:"line"`
	Secret   string `json:"secret"` // as written in Line
	Positive bool   `json:"positive"`
	Form     string `json:"form"`   // how the identifier is written, for diagnosis
	Format   string `json:"format"` // the log format the line is read as
}

func loadCases(t testing.TB) []refCase {
	t.Helper()
	f, err := os.Open("testdata/cases.jsonl")
	if errors.Is(err, fs.ErrNotExist) {
		// Generated, not committed (5 MB): make test makes it first.
		t.Skip("testdata/cases.jsonl is generated from the outside references: run `make reference` (Node and npm) first")
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []refCase
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var c refCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("cases.jsonl:%d: %v", n, err)
		}
		if c.Class == "" || c.Secret == "" || !strings.Contains(c.Line, c.Secret) {
			t.Fatalf("cases.jsonl:%d: want a class and a secret written in the line; got %+v", n, c)
		}
		if !slices.Contains(contexts, c.Context) {
			t.Fatalf("cases.jsonl:%d: unknown context %q; want one of %v", n, c.Context, contexts)
		}
		cases = append(cases, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

// testNets are the networks of the country database: the address the
// contexts use for the client (81.2.69.0/24) and most of those the
// generator plants; the others resolve to the unknown code.
var testNets = map[string]string{
	"81.2.69.0/24":    "GB",
	"86.128.0.0/10":   "GB",
	"31.48.0.0/13":    "GB",
	"151.224.0.0/11":  "GB",
	"2a00:23c4::/32":  "GB",
	"2a02:c7f::/32":   "GB",
	"2001:218::/32":   "JP",
	"2600:1700::/28":  "US",
	"100.64.0.0/10":   "ZZ",
	"192.0.2.0/24":    "ZZ",
	"203.0.113.0/24":  "AU",
	"198.51.100.0/24": "US",
}

// newSanitizers builds the engine as `caddy-privacy sanitize` does with
// no -policy (the built-in strict policy, in-memory pseudonym keys) and a
// test country database, and returns a Sanitizer per log format.
func newSanitizers(t testing.TB) map[string]*logs.Sanitizer {
	t.Helper()
	p := config.Default()
	db, err := country.FromBytes(countrytest.MaxMindBytes(t, testNets))
	if err != nil {
		t.Fatal(err)
	}
	keys := pseudonym.NewKeyRing(new(pseudonym.MemoryStore), time.Duration(p.Pseudonym.Rotate), time.Duration(p.Pseudonym.Retention))
	if err := keys.Refresh(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	r, err := redact.New(p, country.NewResolver(db, p.GeoIP.Unknown, p.GeoIP.CacheSize), keys)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*logs.Sanitizer{}
	for _, name := range []string{"text", "combined", "caddy-json"} {
		f, err := logs.ParseFormat(name)
		if err != nil {
			t.Fatal(err)
		}
		m[name] = logs.NewSanitizer(r, f)
	}
	return m
}

// decode undoes query encoding: %XX escapes (malformed ones are kept) and
// '+' as a space.
func decode(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			if u, err := url.PathUnescape(s[i : i+3]); err == nil {
				b.WriteString(u)
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// tagRE matches the engine's replacements ("[email]", "[phone:3xT9q2Lw]",
// "{id}"), which are not part of what survived.
var tagRE = regexp.MustCompile(`\[[a-z_0-9]+(:[A-Za-z0-9_-]+)?\]|\{[a-z_0-9]+\}`)

// norm keeps the letters and digits of s, lower-cased.
func norm(s string) []rune {
	var r []rune
	for _, c := range s {
		if unicode.IsLetter(c) || unicode.IsDigit(c) {
			r = append(r, unicode.ToLower(c))
		}
	}
	return r
}

// runs returns the maximal runs of s whose runes satisfy in, lower-cased.
func runs(s string, in func(rune) bool) []string {
	var out []string
	start := -1
	rs := []rune(strings.ToLower(s))
	for i := 0; i <= len(rs); i++ {
		if i < len(rs) && in(rs[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			out = append(out, string(rs[start:i]))
			start = -1
		}
	}
	return out
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// minWindow is the shortest piece of a secret's letters and digits that
// counts as a leak.
const minWindow = 6

// leaked reports whether output, the sanitized form of line, still shows
// part of secret, which is written in line, beyond the secret itself
// (which the caller checks): once separators and case are ignored, any
// minWindow letters and digits of it in a row; a run of four or more of
// its digits standing alone; or a run of four or more of its letters (the
// alphabetic core, such as an IBAN's bank code). Pieces that line holds
// outside the secret too are not counted.
func leaked(secret, line, output string) bool {
	ds := decode(secret)
	rest := decode(strings.Replace(line, secret, " ", 1))
	out := tagRE.ReplaceAllString(decode(output), " ")

	ns, nrest, nout := norm(ds), string(norm(rest)), string(norm(out))
	for i := 0; i+minWindow <= len(ns); i++ {
		w := string(ns[i : i+minWindow])
		if !strings.Contains(nrest, w) && strings.Contains(nout, w) {
			return true
		}
	}

	secretDigits := strings.Join(runs(ds, isDigit), "")
	restDigits := runs(rest, isDigit)
	for _, r := range runs(out, isDigit) {
		if len(r) >= 4 && strings.Contains(secretDigits, r) && !slices.Contains(restDigits, r) {
			return true
		}
	}

	restLetters := runs(rest, unicode.IsLetter)
	outLetters := runs(out, unicode.IsLetter)
	for _, r := range runs(ds, unicode.IsLetter) {
		if len([]rune(r)) >= 4 && slices.Contains(outLetters, r) && !slices.Contains(restLetters, r) {
			return true
		}
	}
	return false
}

// survives reports whether text, written in the input as it is in line,
// comes out in output unchanged, as written or once query-decoded.
func survives(text, output string) bool {
	return strings.Contains(output, text) || strings.Contains(decode(output), decode(text))
}

// formOf drops the country from a form ("E.164 SE", "dashed GB"), so that
// the table by form stays short.
func formOf(form string) string {
	if i := strings.LastIndexByte(form, ' '); i >= 0 && len(form)-i == 3 && strings.ToUpper(form[i+1:]) == form[i+1:] {
		return form[:i]
	}
	return form
}

// tally counts the cases of one class and context, or one class.
type tally struct {
	n, bad  int
	example *refCase // the first bad case
	exOut   string
}

func (t *tally) add(c *refCase, bad bool, out string) {
	t.n++
	if bad {
		t.bad++
		if t.example == nil {
			t.example, t.exOut = c, out
		}
	}
}

// recall is the share of good cases, fp that of bad ones, in percent.
func (t *tally) recall() float64 { return 100 * float64(t.n-t.bad) / float64(max(t.n, 1)) }
func (t *tally) fp() float64     { return 100 * float64(t.bad) / float64(max(t.n, 1)) }

type cell struct{ class, context string }

// TestReference runs every case of testdata/cases.jsonl through the code
// path of `caddy-privacy sanitize` and holds recall and false positives to
// the floors above. Run with -v for the table; set REFERENCE_REPORT=FILE
// for a markdown report, REFERENCE_SHOW=CLASS (or all) to log that class's
// misses, REFERENCE_FLOORS=1 to print the tables above for the figures
// measured now.
func TestReference(t *testing.T) {
	cases := loadCases(t)
	san := newSanitizers(t)
	show := os.Getenv("REFERENCE_SHOW")

	recall := map[cell]*tally{}
	forms := map[cell]*tally{} // class × form, positives only
	fp := map[string]*tally{}
	fpCtx := map[cell]*tally{}
	get := func(m map[cell]*tally, k cell) *tally {
		if m[k] == nil {
			m[k] = new(tally)
		}
		return m[k]
	}
	var buf []byte
	for i := range cases {
		c := &cases[i]
		s := san[c.Format]
		if s == nil {
			t.Fatalf("case %d: unknown format %q", i, c.Format)
		}
		buf = s.AppendLine(buf[:0], []byte(c.Line))
		out := string(buf)
		if c.Positive {
			missed := survives(c.Secret, out) || leaked(c.Secret, c.Line, out)
			get(recall, cell{c.Class, c.Context}).add(c, missed, out)
			get(forms, cell{c.Class, formOf(c.Form)}).add(c, missed, out)
			if missed && (show == c.Class || show == "all") {
				t.Logf("missed %s/%s (%s) %q\n  in:  %s\n  out: %s", c.Class, c.Context, c.Form, c.Secret, c.Line, out)
			}
		} else {
			changed := !survives(c.Secret, out)
			if fp[c.Class] == nil {
				fp[c.Class] = new(tally)
			}
			fp[c.Class].add(c, changed, out)
			get(fpCtx, cell{c.Class, c.Context}).add(c, changed, out)
			if changed && (show == c.Class || show == "all") {
				t.Logf("changed %s/%s %q\n  in:  %s\n  out: %s", c.Class, c.Context, c.Secret, c.Line, out)
			}
		}
	}

	report := renderReport(recall, forms, fp, fpCtx)
	t.Log("\n" + report)
	if os.Getenv("REFERENCE_FLOORS") != "" {
		t.Log("\n" + renderFloors(recall, fp))
	}
	if path := os.Getenv("REFERENCE_REPORT"); path != "" {
		if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
			t.Error(err)
		}
	}

	for class, floors := range recallFloor {
		for i, ctx := range contexts {
			tl := recall[cell{class, ctx}]
			if tl == nil || tl.n == 0 {
				t.Errorf("%s/%s: no cases; regenerate testdata/cases.jsonl", class, ctx)
				continue
			}
			if got := tl.recall(); got+1e-9 < floors[i] {
				t.Errorf("%s/%s: recall %.1f%%, below its floor of %.1f%% (target %.1f%%); first miss %q in %s\n  became: %s",
					class, ctx, got, floors[i], targetRecall, tl.example.Secret, tl.example.Line, tl.exOut)
			}
		}
	}
	for k := range recall {
		if _, ok := recallFloor[k.class]; !ok {
			t.Errorf("class %q has cases but no row in recallFloor", k.class)
		}
	}
	for class, ceiling := range fpCeiling {
		tl := fp[class]
		if tl == nil || tl.n == 0 {
			t.Errorf("negative class %s: no cases; regenerate testdata/cases.jsonl", class)
			continue
		}
		if got := tl.fp(); got > ceiling+1e-9 {
			t.Errorf("%s: %.1f%% false positives, above its ceiling of %.1f%% (target %.1f%%); first %q in %s\n  became: %s",
				class, got, ceiling, targetFP, tl.example.Secret, tl.example.Line, tl.exOut)
		}
	}
	for class := range fp {
		if _, ok := fpCeiling[class]; !ok {
			t.Errorf("negative class %q has cases but no entry in fpCeiling", class)
		}
	}
}

// renderFloors writes recallFloor and fpCeiling as Go for the figures
// measured now, to paste above when the engine has improved: recall
// rounded down and false positives rounded up to a tenth of a percent.
func renderFloors(recall map[cell]*tally, fp map[string]*tally) string {
	var b strings.Builder
	b.WriteString("var recallFloor = map[string][7]float64{\n")
	b.WriteString("\t//               " + strings.Join(contexts, " ") + "\n")
	for _, class := range sortedClasses(recall) {
		fmt.Fprintf(&b, "\t%-14s {", strconv.Quote(class)+":")
		for i, ctx := range contexts {
			if i > 0 {
				b.WriteString(", ")
			}
			v := 0.0
			if tl := recall[cell{class, ctx}]; tl != nil {
				v = math.Floor(tl.recall()*10+1e-9) / 10
			}
			b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
		}
		b.WriteString("},\n")
	}
	b.WriteString("}\n\nvar fpCeiling = map[string]float64{\n")
	classes := make([]string, 0, len(fp))
	for c := range fp {
		classes = append(classes, c)
	}
	slices.Sort(classes)
	for _, class := range classes {
		v := max(math.Ceil(fp[class].fp()*10-1e-9)/10, 0) // never -0
		fmt.Fprintf(&b, "\t%-17s %s,\n", strconv.Quote(class)+":", strconv.FormatFloat(v, 'f', -1, 64))
	}
	b.WriteString("}\n")
	return b.String()
}

// renderReport writes the figures as markdown.
func renderReport(recall, forms map[cell]*tally, fp map[string]*tally, fpCtx map[cell]*tally) string {
	var b strings.Builder
	classes := sortedClasses(recall)
	fmt.Fprintf(&b, "# Reference recall and false positives\n\n")
	fmt.Fprintf(&b, "Cases: internal/reference/testdata/cases.jsonl (gen-cases.mjs). Targets: recall ≥ %.1f%% per class and context, false positives ≤ %.1f%% per class.\n\n", targetRecall, targetFP)
	b.WriteString("Measured with `REFERENCE_REPORT=$PWD/report.md go test ./internal/reference/ -run TestReference -count=1` from the module root: the built-in policy, through `logs.Sanitizer.AppendLine` as `caddy-privacy sanitize` runs it.\n\n")
	b.WriteString("A planted identifier is missed when it survives as written or query-decoded, or when, separators and case ignored, six of its letters and digits in a row, a run of four or more of its digits, or a run of four or more of its letters survive that the rest of the line does not hold. A hard negative is a false positive when it no longer survives as written or query-decoded.\n\n")

	fmt.Fprintf(&b, "## Recall (%% of planted identifiers removed)\n\n| class | %s | all |\n|---|%s---:|\n", strings.Join(contexts, " | "), strings.Repeat("---:|", len(contexts)))
	var total tally
	for _, class := range classes {
		var all tally
		fmt.Fprintf(&b, "| %s |", class)
		for _, ctx := range contexts {
			tl := recall[cell{class, ctx}]
			if tl == nil {
				b.WriteString(" – |")
				continue
			}
			all.n += tl.n
			all.bad += tl.bad
			fmt.Fprintf(&b, " %s |", mark(tl.recall(), tl.recall() >= targetRecall))
		}
		total.n += all.n
		total.bad += all.bad
		fmt.Fprintf(&b, " %.1f |\n", all.recall())
	}
	fmt.Fprintf(&b, "| **all** |%s **%.1f** |\n\n", strings.Repeat(" |", len(contexts)), total.recall())
	fmt.Fprintf(&b, "By context, over every class:\n\n| context | recall |\n|---|---:|\n")
	for _, ctx := range contexts {
		var all tally
		for _, class := range classes {
			if tl := recall[cell{class, ctx}]; tl != nil {
				all.n += tl.n
				all.bad += tl.bad
			}
		}
		fmt.Fprintf(&b, "| %s | %.1f |\n", ctx, all.recall())
	}

	fmt.Fprintf(&b, "\n## False positives (%% of hard negatives changed)\n\n| class | %s | all |\n|---|%s---:|\n", strings.Join(contexts, " | "), strings.Repeat("---:|", len(contexts)))
	negClasses := make([]string, 0, len(fp))
	for c := range fp {
		negClasses = append(negClasses, c)
	}
	slices.Sort(negClasses)
	var negTotal tally
	for _, class := range negClasses {
		fmt.Fprintf(&b, "| %s |", class)
		for _, ctx := range contexts {
			if tl := fpCtx[cell{class, ctx}]; tl != nil {
				fmt.Fprintf(&b, " %.1f |", tl.fp())
			} else {
				b.WriteString(" – |")
			}
		}
		tl := fp[class]
		negTotal.n += tl.n
		negTotal.bad += tl.bad
		fmt.Fprintf(&b, " %s |\n", mark(tl.fp(), tl.fp() <= targetFP))
	}
	fmt.Fprintf(&b, "| **all** |%s **%.1f** |\n", strings.Repeat(" |", len(contexts)), negTotal.fp())

	fmt.Fprintf(&b, "\n## Recall by written form (all contexts)\n\n| class | form | cases | recall |\n|---|---|---:|---:|\n")
	keys := make([]cell, 0, len(forms))
	for k := range forms {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b cell) int {
		if c := strings.Compare(a.class, b.class); c != 0 {
			return c
		}
		return strings.Compare(a.context, b.context)
	})
	for _, k := range keys {
		tl := forms[k]
		fmt.Fprintf(&b, "| %s | %s | %d | %.1f |\n", k.class, k.context, tl.n, tl.recall())
	}

	fmt.Fprintf(&b, "\n## First miss per class and context\n\n")
	for _, class := range classes {
		for _, ctx := range contexts {
			if tl := recall[cell{class, ctx}]; tl != nil && tl.example != nil {
				fmt.Fprintf(&b, "- %s/%s (%s) `%s`\n  - in: `%s`\n  - out: `%s`\n", class, ctx, tl.example.Form, printable(tl.example.Secret), printable(tl.example.Line), printable(tl.exOut))
			}
		}
	}
	fmt.Fprintf(&b, "\n## First false positive per class\n\n")
	for _, class := range negClasses {
		if tl := fp[class]; tl.example != nil {
			fmt.Fprintf(&b, "- %s/%s `%s`\n  - in: `%s`\n  - out: `%s`\n", class, tl.example.Context, printable(tl.example.Secret), printable(tl.example.Line), printable(tl.exOut))
		}
	}
	return b.String()
}

// printable escapes what would spoil a markdown code span: control
// characters, U+FFFD and backquotes.
func printable(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < 0x20 || r == 0x7f || r == unicode.ReplacementChar:
			fmt.Fprintf(&b, "\\u%04x", r)
		case r == '`':
			b.WriteString("\\x60")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// mark writes a percentage, in bold when it misses its target.
func mark(v float64, ok bool) string {
	if ok {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("**%.1f**", v)
}

// sortedClasses lists the classes of recall in the order of recallFloor's
// rows as the generator writes them, then any others.
func sortedClasses(recall map[cell]*tally) []string {
	order := []string{"phone_gb", "phone_ie", "phone_fr", "phone_de", "phone_us", "phone_intl", "iban", "nhs", "card", "vat_gb", "nino", "postcode", "email", "ipv4", "ipv6", "path_id", "token_param", "name"}
	seen := map[string]bool{}
	for k := range recall {
		seen[k.class] = true
	}
	var out []string
	for _, c := range order {
		if seen[c] {
			out = append(out, c)
			delete(seen, c)
		}
	}
	var rest []string
	for c := range seen {
		rest = append(rest, c)
	}
	slices.Sort(rest)
	return append(out, rest...)
}
