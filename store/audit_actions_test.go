package store

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestEveryAuditActionIsListed: AuditActions is one literal (no init()
// appends from the files that define actions), so an action constant
// added in any store file must be listed there too, once, or the audit
// log's filter would not offer it.
func TestEveryAuditActionIsListed(t *testing.T) {
	t.Parallel()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	var found []string
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					// AuditCollection and AuditEventsCollection name collections, not actions.
					if !strings.HasPrefix(name.Name, "Audit") || name.Name == "AuditCollection" || name.Name == "AuditEventsCollection" || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						v, _ := strconv.Unquote(lit.Value)
						found = append(found, v)
					}
				}
			}
		}
	}
	if len(found) < 40 {
		t.Fatalf("found only %d audit action constants: is the parse right?", len(found))
	}
	for _, a := range found {
		if n := strings.Count(","+strings.Join(AuditActions, ",")+",", ","+a+","); n != 1 {
			t.Errorf("audit action %q is listed %d times in AuditActions, want once", a, n)
		}
	}
	if len(AuditActions) != len(found) {
		t.Errorf("AuditActions has %d entries; the store defines %d actions", len(AuditActions), len(found))
	}
}
