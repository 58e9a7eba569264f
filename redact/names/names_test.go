package names

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestAppendRedacted(t *testing.T) {
	tests := []struct {
		in, strict, term string
	}{
		{"Morwenna Tregothnan", "[name]", "[name]"},
		{"morwenna", "morwenna", "[name]"},
		{"MORWENNA", "MORWENNA", "[name]"},
		{"flights for john smith", "flights for [name]", "flights for [name]"},
		{"Dear Siobhán Ní Bhriain", "Dear [name]", "Dear [name]"},
		{"dear siobhan ni bhriain", "dear [name]", "dear [name]"},
		{"Seán Ó Súilleabháin", "[name]", "[name]"},
		{"Aled ap Rhys", "[name]", "[name]"},
		{"Ludwig van Beethoven", "[name]", "[name]"},
		{"Dr Tregothnan", "Dr [name]", "Dr [name]"},
		{"dr tregothnan", "dr [name]", "dr [name]"},
		{"Mr. John F. Kennedy", "Mr. [name]", "Mr. [name]"},
		{"Mary-Jane Watson", "[name]", "[name]"},
		{"Seán O'Brien's car", "[name] car", "[name] car"},
		{"will smith", "[name]", "[name]"},
		{"Will Tregothnan", "[name]", "[name]"},
		{"Mrs May", "Mrs [name]", "Mrs [name]"},
		{"emily dress", "emily dress", "[name] dress"},
		{"I met Emily yesterday", "I met Emily yesterday", "I met [name] yesterday"},
		{"Emily loved the film", "Emily loved the film", "[name] loved the film"},
		{"John Brown", "[name]", "[name]"},
		// Not names.
		{"will power", "will power", "will power"},
		{"Rose Gold Watch", "Rose Gold Watch", "Rose Gold Watch"},
		{"Victoria Station", "Victoria Station", "Victoria Station"},
		{"Jordan 1 trainers", "Jordan 1 trainers", "Jordan 1 trainers"},
		{"Newcastle upon Tyne", "Newcastle upon Tyne", "Newcastle upon Tyne"},
		{"Black Friday deals", "Black Friday deals", "Black Friday deals"},
		{"may", "may", "may"},
		{"Dear customer", "Dear customer", "Dear customer"},
		{"miss you", "miss you", "miss you"},
		{"john.smith@example.com", "john.smith@example.com", "john.smith@example.com"},
		{"emily-dress-size-12", "emily-dress-size-12", "emily-dress-size-12"},
		{"/users/emily2/settings", "/users/emily2/settings", "/users/emily2/settings"},
		{"[name] smith", "[name] smith", "[name] smith"},
		{"Alexandra Palace", "Alexandra Palace", "Alexandra Palace"},
		{"Lord's Cricket Ground", "Lord's Cricket Ground", "Lord's Cricket Ground"},
		{"Holly Bush Pruning Tips", "Holly Bush Pruning Tips", "Holly Bush Pruning Tips"},
		{"isle of lewis", "isle of lewis", "isle of lewis"},
		{"St Ives", "St Ives", "St Ives"},
		{"Holly Walker", "[name]", "[name]"},
		{"lily tregothnan", "lily tregothnan", "[name]"},
		{"lily pads", "lily pads", "lily pads"},
		{"Morwenna+Tregothnan", "[name]", "[name]"},
		{"", "", ""},
	}
	for _, tt := range tests {
		if got := string(AppendRedacted(nil, []byte(tt.in))); got != tt.strict {
			t.Errorf("AppendRedacted(%q) = %q, want %q", tt.in, got, tt.strict)
		}
		if got := string(AppendRedactedTerm(nil, []byte(tt.in))); got != tt.term {
			t.Errorf("AppendRedactedTerm(%q) = %q, want %q", tt.in, got, tt.term)
		}
		if got, want := ContainsName([]byte(tt.in)), tt.term != tt.in; got != want {
			t.Errorf("ContainsName(%q) = %v, want %v", tt.in, got, want)
		}
	}
}

func TestFind(t *testing.T) {
	text := []byte("flights for Siobhán Ní Bhriain to Cork")
	s, e, ok := Find(text)
	if !ok || string(text[s:e]) != "Siobhán Ní Bhriain" {
		t.Fatalf("Find(%q) = %d, %d, %v", text, s, e, ok)
	}
	if _, _, ok := Find([]byte("red dress size 12")); ok {
		t.Fatal("Find found a name in a product search")
	}
}

// firstNames returns the package's first names, each with whether it
// counts alone.
func firstNames(t *testing.T) (names []string, alone []bool) {
	for _, line := range strings.Split(firstNamesText, "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		a := line[0] != '~' && line[0] != '!'
		names = append(names, strings.TrimLeft(line, "~!"))
		alone = append(alone, a)
	}
	if len(names) < 10000 {
		t.Fatalf("only %d first names", len(names))
	}
	return names, alone
}

func readLines(t *testing.T, path string) (lines []string, class []string) {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(l, "## "):
			c = l[3:]
		case l == "" || l[0] == '#':
		default:
			lines = append(lines, l)
			class = append(class, c)
		}
	}
	return lines, class
}

func title(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}

// TestRecall builds full names from every first name in the lists and the
// test surnames (most of them unknown to the package) and counts how many
// are redacted whole, per form and strength. Run with -v for the figures.
func TestRecall(t *testing.T) {
	names, alone := firstNames(t)
	surnames, _ := readLines(t, "testdata/surnames.txt")
	lower := func(f, l string) string { return f + " " + strings.ToLower(l) }
	flights := func(f, l string) string { return "flights for " + f + " " + strings.ToLower(l) }
	forms := []struct {
		name       string
		term       bool // AppendRedactedTerm, else AppendRedacted
		text, want func(first, last string) string
		// Required recall: over all names, over names that count alone,
		// and over names that are also words, places or brands (in lower
		// case these need a known surname, or in a term a final word that
		// is no everyday word; most test surnames are unknown on purpose).
		minAll, minAlone, minCx float64
	}{
		{"First Last", false, func(f, l string) string { return title(f) + " " + l }, func(f, l string) string { return "[name]" }, 0.99, 0.99, 0.95},
		{"Dear First Last,", false, func(f, l string) string { return "Dear " + title(f) + " " + l + "," }, func(f, l string) string { return "Dear [name]," }, 0.99, 0.99, 0.99},
		{"FIRST LAST", false, func(f, l string) string { return strings.ToUpper(f + " " + l) }, func(f, l string) string { return "[name]" }, 0.99, 0.99, 0.95},
		{"first last", false, lower, func(f, l string) string { return "[name]" }, 0.95, 0.99, 0.45},
		{"first last", true, lower, func(f, l string) string { return "[name]" }, 0.98, 0.99, 0.75},
		{"flights for first last", false, flights, func(f, l string) string { return "flights for [name]" }, 0.95, 0.99, 0.45},
		{"flights for first last", true, flights, func(f, l string) string { return "flights for [name]" }, 0.98, 0.99, 0.75},
	}
	for _, form := range forms {
		redact, mode := AppendRedacted, "text"
		if form.term {
			redact, mode = AppendRedactedTerm, "term"
		}
		var hit, n [2]int // [0] alone, [1] context
		var missed []string
		for i, f := range names {
			l := surnames[(i*7)%len(surnames)]
			text := form.text(f, l)
			c := 1
			if alone[i] {
				c = 0
			}
			n[c]++
			if got := string(redact(nil, []byte(text))); got == form.want(f, l) {
				hit[c]++
			} else if len(missed) < 8 {
				missed = append(missed, text+" -> "+got)
			}
		}
		ra, rc := float64(hit[0])/float64(n[0]), float64(hit[1])/float64(n[1])
		rall := float64(hit[0]+hit[1]) / float64(n[0]+n[1])
		t.Logf("recall %-24q %s: all %6.2f%% (%d/%d)  alone names %6.2f%%  word-like names %6.2f%%",
			form.name, mode, 100*rall, hit[0]+hit[1], n[0]+n[1], 100*ra, 100*rc)
		if rall < form.minAll || ra < form.minAlone || rc < form.minCx {
			t.Errorf("recall %q %s: all %.4f (want >= %.2f), alone %.4f (want >= %.2f), word-like %.4f (want >= %.2f); missed e.g. %q",
				form.name, mode, rall, form.minAll, ra, form.minAlone, rc, form.minCx, missed)
		}
	}

	// A first name alone, in a term: counts for names that are not words.
	var hit, n int
	for i, f := range names {
		if !alone[i] {
			continue
		}
		n++
		if ContainsName([]byte(f)) {
			hit++
		}
	}
	t.Logf("recall \"first\" alone (term): %.2f%% (%d/%d)", 100*float64(hit)/float64(n), hit, n)
	if hit != n {
		t.Errorf("a first name alone: %d of %d found", hit, n)
	}
}

// TestRecallByBabies weighs recall by how many babies were given each
// first name in England and Wales in 2022-2024 (the ONS extract the lists
// are built from), so that common names count for more: "lily", "jack" and
// "florence" are everyday words or places too.
func TestRecallByBabies(t *testing.T) {
	lines, _ := readLines(t, "../../internal/reference/names/ons-first-names.tsv")
	surnames, _ := readLines(t, "testdata/surnames.txt")
	forms := []struct {
		name string
		term bool
		text func(first, last string) string
		min  float64
	}{
		{"First Last", false, func(f, l string) string { return f + " " + l }, 0.99},
		{"first last", false, func(f, l string) string { return strings.ToLower(f + " " + l) }, 0.93},
		{"first last", true, func(f, l string) string { return strings.ToLower(f + " " + l) }, 0.95},
		{"first", true, func(f, l string) string { return strings.ToLower(f) }, 0.85},
	}
	for _, form := range forms {
		redact, mode := AppendRedacted, "text"
		if form.term {
			redact, mode = AppendRedactedTerm, "term"
		}
		var hit, n float64
		for i, l := range lines {
			fields := strings.Split(l, "\t")
			if len(fields) != 3 {
				t.Fatalf("ons-first-names.tsv: %q", l)
			}
			var babies float64
			for _, c := range fields[2] {
				babies = babies*10 + float64(c-'0')
			}
			text := form.text(fields[0], surnames[(i*7)%len(surnames)])
			n += babies
			if string(redact(nil, []byte(text))) == "[name]" {
				hit += babies
			}
		}
		t.Logf("recall by babies %-12q %s: %6.2f%% of %.0f babies", form.name, mode, 100*hit/n, n)
		if hit/n < form.min {
			t.Errorf("recall by babies %q %s: %.4f, want >= %.2f", form.name, mode, hit/n, form.min)
		}
	}
}

// TestFalsePositives runs the hand-written negatives through both
// strengths and reports the share of lines changed, per class. The brands
// class (brands, places and public figures named after people: "John
// Lewis", "Elton John") is reported but not held to the target: a person's
// name is redacted whether or not a shop shares it.
func TestFalsePositives(t *testing.T) {
	falsePositives(t, "testdata/negatives.txt", 0.02)
}

// TestFalsePositivesHeldOut runs negatives-heldout.txt, written after the
// first round of tuning. Its first run (1.99% text, 3.98% term) informed a
// second round of rules (place heads, title case, possessive titles), so
// it is held out no longer; negatives-heldout2.txt, written after that
// round, is.
func TestFalsePositivesHeldOut(t *testing.T) {
	falsePositives(t, "testdata/negatives-heldout.txt", 0.03)
}

// TestFalsePositivesHeldOut2 runs negatives written after the second round
// of rules and never tuned against: the figure to quote for unseen text.
// Its first run measured 1.54% for Find and 2.89% for FindTerm (15 of 519
// lines, all towns that are also given names: "Ross on Wye", "Ennis",
// "Saffron Walden"; shopping 0 of 111, page titles 0 of 69), over the 2%
// target of issue 14 for terms; the ceiling keeps it from getting worse.
func TestFalsePositivesHeldOut2(t *testing.T) {
	falsePositives(t, "testdata/negatives-heldout2.txt", 0.03)
}

func falsePositives(t *testing.T, path string, max float64) {
	lines, classes := readLines(t, path)
	if len(lines) < 300 {
		t.Fatalf("only %d negatives", len(lines))
	}
	type count struct{ strict, term, n int }
	per := map[string]*count{}
	var order []string
	var total count
	for i, l := range lines {
		c := per[classes[i]]
		if c == nil {
			c = &count{}
			per[classes[i]] = c
			order = append(order, classes[i])
		}
		c.n++
		s := string(AppendRedacted(nil, []byte(l))) != l
		tm := string(AppendRedactedTerm(nil, []byte(l))) != l
		if s {
			c.strict++
		}
		if tm {
			c.term++
		}
		if classes[i] != "brands" {
			total.n++
			if s {
				total.strict++
			}
			if tm {
				total.term++
				t.Logf("false positive (term): %q -> %q", l, AppendRedactedTerm(nil, []byte(l)))
			}
		}
	}
	for _, k := range order {
		c := per[k]
		t.Logf("false positives %-10s strict %5.1f%% (%d/%d)  term %5.1f%% (%d/%d)", k,
			100*float64(c.strict)/float64(c.n), c.strict, c.n, 100*float64(c.term)/float64(c.n), c.term, c.n)
	}
	fs, ft := float64(total.strict)/float64(total.n), float64(total.term)/float64(total.n)
	t.Logf("false positives, all but brands: strict %.2f%% (%d/%d)  term %.2f%% (%d/%d)",
		100*fs, total.strict, total.n, 100*ft, total.term, total.n)
	if fs > max || ft > max {
		t.Errorf("false positives strict %.4f, term %.4f: want <= %.2f", fs, ft, max)
	}
}

func TestRedactedIsStable(t *testing.T) {
	lines, _ := readLines(t, "testdata/negatives.txt")
	lines = append(lines, "Dear Dr John Smith and Mrs Rose Tregothnan, flights for will smith")
	for _, l := range lines {
		for _, f := range []func(dst, src []byte) []byte{AppendRedacted, AppendRedactedTerm} {
			once := f(nil, []byte(l))
			if twice := f(nil, once); !bytes.Equal(once, twice) {
				t.Errorf("not idempotent: %q -> %q -> %q", l, once, twice)
			}
		}
	}
}

// TestRedactedIsStableRandom checks idempotence on phrases made of the
// words the rules look at (first names of each kind, titles, particles,
// place words, stop words, surnames) in every case, which byte fuzzing
// reaches only slowly.
func TestRedactedIsStableRandom(t *testing.T) {
	vocab := strings.Fields(`emily john morwenna siobhán amity rose will may lily jack paris
		victoria jordan chelsea amir park lane hall lord lady dear miss mr dr st fort isle of
		ní van de mac o'brien smith tregothnan green gold power station palace square
		pruning tips to from for the dress 12 f. alexandra leicester emily's lord's [name]
		ross wye on aa lewis ben nevis holly bush`)
	seps := []string{" ", " ", " ", ", ", ". ", " - ", "+", "/", "@"}
	r := rand.New(rand.NewPCG(1, 14))
	var b strings.Builder
	for range 20000 {
		b.Reset()
		for j, n := 0, 1+r.IntN(6); j < n; j++ {
			if j > 0 {
				b.WriteString(seps[r.IntN(len(seps))])
			}
			w := vocab[r.IntN(len(vocab))]
			switch r.IntN(3) {
			case 1:
				w = title(w)
			case 2:
				w = strings.ToUpper(w)
			}
			b.WriteString(w)
		}
		in := b.String()
		for _, f := range []func(dst, src []byte) []byte{AppendRedacted, AppendRedactedTerm} {
			once := f(nil, []byte(in))
			if twice := f(nil, once); !bytes.Equal(once, twice) {
				t.Fatalf("not idempotent: %q -> %q -> %q", in, once, twice)
			}
		}
	}
}

func TestFindDoesNotAllocate(t *testing.T) {
	text := []byte("flights for Morwenna Tregothnan from Newquay, Dear Siobhán Ní Bhriain")
	load()
	n := testing.AllocsPerRun(100, func() { Find(text); FindTerm(text) })
	if n != 0 {
		t.Fatalf("Find allocates %.0f times", n)
	}
	dst := make([]byte, 0, 256)
	n = testing.AllocsPerRun(100, func() { dst = AppendRedacted(dst[:0], text) })
	if n != 0 {
		t.Fatalf("AppendRedacted allocates %.0f times into a large enough buffer", n)
	}
}
