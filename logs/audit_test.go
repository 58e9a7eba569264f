package logs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

func audit(t *testing.T, in string, f Format, opts AuditOptions) *Report {
	t.Helper()
	rep, err := Audit(context.Background(), strings.NewReader(in), fakeAuditor{}, f, opts)
	if err != nil {
		t.Fatalf("Audit: %v", err)
	}
	return rep
}

func TestAudit(t *testing.T) {
	const date = "[17/May/2015:10:05:03 +0000]"
	tests := []struct {
		name     string
		in       string
		format   Format
		want     []Finding
		fallback int64
	}{
		{
			name:   "combined",
			format: FormatCombined,
			in: `192.0.2.1 - - ` + date + ` "GET /?e=a@b.example HTTP/1.1" 200 5 "http://10.0.0.1/" "-"` + "\n" +
				`192.0.2.2 - - ` + date + ` "GET / HTTP/1.1" 200 5` + "\n" +
				"garbage from 10.9.9.9 and x@y.example\n" +
				`192.0.2.3 a@b.example - ` + date + ` "GET / HTTP/1.1" 200 5 "-" "-" uid=c@d.example` + "\n",
			want: []Finding{
				{Kind: "email", Field: "ident", Count: 1, Lines: []int64{4}},
				{Kind: "email", Field: "line", Count: 1, Lines: []int64{3}},
				{Kind: "email", Field: "request", Count: 1, Lines: []int64{1}},
				{Kind: "email", Field: "trailing", Count: 1, Lines: []int64{4}},
				{Kind: "ipv4", Field: "host", Count: 3, Lines: []int64{1, 2, 4}},
				{Kind: "ipv4", Field: "line", Count: 1, Lines: []int64{3}},
				{Kind: "ipv4", Field: "referer", Count: 1, Lines: []int64{1}},
			},
			fallback: 1,
		},
		{
			name:   "caddy-json",
			format: FormatAuto,
			in: `{"msg":"a\u0040b.example","request":{"remote_ip":"192.0.2.1","headers":{"X-Forwarded-For":["10.0.0.1, 10.0.0.2"],"Cookie":["e=c@d.example"]}}}` + "\n" +
				`{"request":{"remote_ip":"192.0.2.1","headers":{"X-a@b.example":["1.2.3.4"]}},"ts":1.5}` + "\n" +
				`{"request":{"remote_ip":"192.0.2.1"` + "\n",
			want: []Finding{
				{Kind: "email", Field: "msg", Count: 1, Lines: []int64{1}},
				{Kind: "email", Field: "request.headers.*", Count: 1, Lines: []int64{2}},
				{Kind: "email", Field: "request.headers.Cookie", Count: 1, Lines: []int64{1}},
				{Kind: "ipv4", Field: "request.headers.X-Forwarded-For", Count: 2, Lines: []int64{1}},
				{Kind: "ipv4", Field: "request.remote_ip", Count: 2, Lines: []int64{1, 2}},
				{Kind: "ipv4", Field: "line", Count: 1, Lines: []int64{3}},
				{Kind: "ipv4", Field: "request.headers.*", Count: 1, Lines: []int64{2}},
			},
			fallback: 1,
		},
		{
			name:   "text",
			format: FormatText,
			in:     "a@b.example a@b.example\r\n\nx\\u0040y.example",
			want:   []Finding{{Kind: "email", Field: "line", Count: 3, Lines: []int64{1, 3}}},
		},
		{name: "empty", format: FormatAuto, in: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, opts := range []AuditOptions{{}, {FilterOptions: FilterOptions{Workers: 3, BlockSize: 16}}} {
				rep := audit(t, tt.in, tt.format, opts)
				if !reflect.DeepEqual(rep.Findings, tt.want) {
					t.Errorf("opts %+v: findings\n got %+v\nwant %+v", opts, rep.Findings, tt.want)
				}
				if n := int64(strings.Count(tt.in, "\n")); tt.in != "" && !strings.HasSuffix(tt.in, "\n") {
					n++
					if rep.Lines != n {
						t.Errorf("lines = %d, want %d", rep.Lines, n)
					}
				} else if rep.Lines != n {
					t.Errorf("lines = %d, want %d", rep.Lines, n)
				}
				if rep.Fallback != tt.fallback || rep.Bytes != int64(len(tt.in)) {
					t.Errorf("fallback %d, bytes %d; want %d, %d", rep.Fallback, rep.Bytes, tt.fallback, len(tt.in))
				}
			}
		})
	}
}

// TestAuditSamples checks that the first N line numbers are kept across
// blocks and workers, and that values never are.
func TestAuditSamples(t *testing.T) {
	var in bytes.Buffer
	for i := 1; i <= 1000; i++ {
		if i%7 == 0 {
			fmt.Fprintf(&in, "user%d@example.com\n", i)
		} else {
			in.WriteString("nothing\n")
		}
	}
	for _, workers := range []int{1, 4} {
		rep := audit(t, in.String(), FormatText, AuditOptions{Samples: 3, FilterOptions: FilterOptions{Workers: workers, BlockSize: 64}})
		want := []Finding{{Kind: "email", Field: "line", Count: 1000 / 7, Lines: []int64{7, 14, 21}}}
		if !reflect.DeepEqual(rep.Findings, want) {
			t.Errorf("workers %d: %+v, want %+v", workers, rep.Findings, want)
		}
		if s := fmt.Sprintf("%+v", rep); strings.Contains(s, "example.com") {
			t.Errorf("report holds a value: %s", s)
		}
	}
	rep := audit(t, in.String(), FormatText, AuditOptions{Samples: -1})
	if len(rep.Findings) != 1 || rep.Findings[0].Lines != nil {
		t.Errorf("Samples -1: %+v", rep.Findings)
	}
}

func TestAuditLongLines(t *testing.T) {
	in := "a@b.example\n" + strings.Repeat("x", 200) + "\nc@d.example\n" + strings.Repeat("y", 50) + "@e.example\n"
	rep := audit(t, in, FormatText, AuditOptions{FilterOptions: FilterOptions{BlockSize: 32, MaxLineSize: 100}})
	if rep.Lines != 4 || rep.LongLines != 1 || !reflect.DeepEqual(rep.LongLineSamples, []int64{2}) {
		t.Errorf("lines %d, long %d at %v", rep.Lines, rep.LongLines, rep.LongLineSamples)
	}
	if want := []Finding{{Kind: "email", Field: "line", Count: 3, Lines: []int64{1, 3, 4}}}; !reflect.DeepEqual(rep.Findings, want) {
		t.Errorf("findings %+v", rep.Findings)
	}
}

func TestAuditFieldCap(t *testing.T) {
	var in bytes.Buffer
	for i := range maxFields + 10 {
		fmt.Fprintf(&in, `{"k%d":"10.0.0.1"}`+"\n", i)
	}
	rep := audit(t, in.String(), FormatCaddyJSON, AuditOptions{})
	fields := map[string]int64{}
	for _, f := range rep.Findings {
		fields[f.Field] += f.Count
	}
	if len(fields) != maxFields+1 || fields[OtherField] != 10 {
		t.Errorf("%d fields, %d in %s; want %d and 10", len(fields), fields[OtherField], OtherField, maxFields+1)
	}
}

func TestAuditReadError(t *testing.T) {
	errRead := errors.New("input/output error")
	r := io.MultiReader(strings.NewReader("a@b.example\n"), iotest.ErrReader(errRead))
	rep, err := Audit(context.Background(), r, fakeAuditor{}, FormatText, AuditOptions{})
	if !errors.Is(err, errRead) || rep == nil || rep.Lines != 1 {
		t.Errorf("err %v, report %+v", err, rep)
	}
}

func TestReportTotals(t *testing.T) {
	rep := &Report{Findings: []Finding{
		{Kind: "email", Field: "a", Count: 2, Lines: []int64{5, 9}},
		{Kind: "email", Field: "b", Count: 1, Lines: []int64{1}},
		{Kind: "ipv4", Field: "a", Count: 7, Lines: []int64{1, 2}},
	}}
	want := []Finding{
		{Kind: "ipv4", Count: 7, Lines: []int64{1, 2}},
		{Kind: "email", Count: 3, Lines: []int64{1, 5}},
	}
	if got := rep.Totals(); !reflect.DeepEqual(got, want) {
		t.Errorf("Totals = %+v, want %+v", got, want)
	}
}

func TestAuditCorpus(t *testing.T) {
	in := corpus(t)
	rep, err := Audit(context.Background(), bytes.NewReader(in), fakeAuditor{}, FormatAuto, AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Format != FormatCombined || rep.Lines != 10000 {
		t.Fatalf("format %v, %d lines", rep.Format, rep.Lines)
	}
	var host *Finding
	for i, f := range rep.Findings {
		if f.Kind == "ipv4" && f.Field == "host" {
			host = &rep.Findings[i]
		}
	}
	if host == nil || host.Count != 10000-rep.Fallback || !reflect.DeepEqual(host.Lines, []int64{1, 2, 3, 4, 5}) {
		t.Errorf("host findings %+v (fallback %d)", host, rep.Fallback)
	}
}
