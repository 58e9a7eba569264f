package scrub

import (
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"
)

// docOf returns the doc comment of a top-level declaration in file.
func docOf(t *testing.T, file, name string) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, s := range d.Specs {
				if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.Name == name {
					return d.Doc.Text()
				}
			}
		case *ast.FuncDecl:
			if d.Name.Name == name && d.Recv == nil {
				return d.Doc.Text()
			}
		}
	}
	t.Fatalf("%s: no declaration of %s", file, name)
	return ""
}

// documented reports whether the doc lists name as a word of its own.
func documented(doc, name string) bool {
	return regexp.MustCompile(`(^|[\s,(])` + regexp.QuoteMeta(name) + `($|[\s,;.)])`).MatchString(doc)
}

// TestBuiltinListsDocumented keeps the lists in the doc comments, which
// users read, in step with the lists the code applies.
func TestBuiltinListsDocumented(t *testing.T) {
	urlDoc := docOf(t, "url.go", "URL")
	for _, list := range [][]string{denyCredentials, denySessions, denyPersonal, allowBuiltin} {
		for _, n := range list {
			if strings.HasPrefix(n, "*") {
				n = "ending in " // suffixes are described in words
			}
			if !documented(urlDoc, n) && !strings.Contains(urlDoc, n) {
				t.Errorf("URL's doc comment does not list %q", n)
			}
		}
	}
	clickDoc := docOf(t, "url.go", "ClickIDs")
	for _, n := range clickIDs {
		if !documented(clickDoc, n) {
			t.Errorf("ClickIDs' doc comment does not list %q", n)
		}
	}
	cookieDoc := docOf(t, "cookie.go", "Cookies")
	for cat, names := range builtinCookies {
		for _, n := range names {
			if !documented(cookieDoc, n) {
				t.Errorf("Cookies' doc comment does not list %q (%v)", n, cat)
			}
		}
	}
}
