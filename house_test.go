package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// goPackage is what `go list -json` says of one package that we read.
type goPackage struct {
	ImportPath string
	Name       string
	GoFiles    []string
	Imports    []string
}

// listPackages runs `go list -json ./...` on the module (production
// imports only: a test may reach up to drive what it tests).
func listPackages(t *testing.T) []goPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-tags", "ferretdb_no_postgresql", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []goPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p goPackage
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// upstairs says which of the module's packages may import each package of
// the upper floors (docs/architecture.md draws the house): main wires the
// command line; the command line starts the portal, the jobs and the demo
// seed; nothing below imports anything above it. Every other package of the
// module is a room downstairs, which may import none of these.
var upstairs = map[string][]string{
	"candour":           nil,
	"candour/cli":       {"candour"},
	"candour/jobs":      {"candour/cli"},
	"candour/demo":      {"candour/cli"},
	"candour/server":    {"candour/cli", "candour", "candour/bench"},
	"candour/bench":     nil,
	"candour/e2e":       nil,
	"candour/templates": {"candour/server"},
	"candour/static":    {"candour/server"},
}

// onlyFrom names outside modules that one package alone may import: Gin is
// the web portal's, and the store never sees a request.
var onlyFrom = map[string][]string{
	"github.com/gin-gonic/": {"candour/server"},
}

// houseProblems checks a module's import graph against the plan: no import
// runs back up (nothing imports a package that imports it, directly or
// through others), the upper floors are imported only from above, and the
// root package is main.go alone, so its files cannot lean on each other.
func houseProblems(pkgs []goPackage) []string {
	var problems []string
	imports := map[string][]string{}
	for _, p := range pkgs {
		for _, imp := range p.Imports {
			if imp == "candour" || strings.HasPrefix(imp, "candour/") {
				imports[p.ImportPath] = append(imports[p.ImportPath], imp)
				if from, ok := upstairs[imp]; ok && !slices.Contains(from, p.ImportPath) {
					problems = append(problems, fmt.Sprintf("%s imports %s, which only %v may import", p.ImportPath, imp, from))
				}
			}
			for prefix, from := range onlyFrom {
				if strings.HasPrefix(imp, prefix) && !slices.Contains(from, p.ImportPath) {
					problems = append(problems, fmt.Sprintf("%s imports %s, which only %v may import", p.ImportPath, imp, from))
				}
			}
		}
		if p.ImportPath == "candour" && !slices.Equal(p.GoFiles, []string{"main.go"}) {
			problems = append(problems, fmt.Sprintf("the module root holds %v: main.go only wires; put commands in cli/, jobs in jobs/, demo data in demo/", p.GoFiles))
		}
	}
	// A loop of imports, by depth-first search (Go refuses to build one,
	// but say where it is, in the house's words).
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var path []string
	var visit func(string)
	visit = func(p string) {
		state[p] = onPath
		path = append(path, p)
		for _, q := range imports[p] {
			switch state[q] {
			case onPath:
				i := slices.Index(path, q)
				problems = append(problems, "import loop: "+strings.Join(append(slices.Clone(path[i:]), q), " -> "))
			case unseen:
				visit(q)
			}
		}
		path = path[:len(path)-1]
		state[p] = done
	}
	for _, p := range pkgs {
		if state[p.ImportPath] == unseen {
			visit(p.ImportPath)
		}
	}
	return problems
}

// TestNoImportRunsBackUp holds the module's imports to the plan in
// docs/architecture.md.
func TestNoImportRunsBackUp(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, p := range houseProblems(listPackages(t)) {
		t.Error(p)
	}
}

// TestHouseProblemsCanFail shows the check failing on small houses that
// break each rule, so a clean answer above means something.
func TestHouseProblemsCanFail(t *testing.T) {
	cases := []struct {
		name string
		pkgs []goPackage
		want string
	}{
		{"a loop through another package", []goPackage{
			{ImportPath: "candour/a", Imports: []string{"candour/b"}},
			{ImportPath: "candour/b", Imports: []string{"candour/c"}},
			{ImportPath: "candour/c", Imports: []string{"candour/a"}},
		}, "import loop: candour/a -> candour/b -> candour/c -> candour/a"},
		{"the store imports the portal", []goPackage{
			{ImportPath: "candour/store", Imports: []string{"candour/server"}},
		}, "candour/store imports candour/server"},
		{"a job imports the portal", []goPackage{
			{ImportPath: "candour/jobs", Imports: []string{"candour/server"}},
		}, "candour/jobs imports candour/server"},
		{"the portal starts the jobs", []goPackage{
			{ImportPath: "candour/server", Imports: []string{"candour/jobs"}},
		}, "candour/server imports candour/jobs"},
		{"the store imports Gin", []goPackage{
			{ImportPath: "candour/store", Imports: []string{"github.com/gin-gonic/gin"}},
		}, "candour/store imports github.com/gin-gonic/gin"},
		{"a command back in the root", []goPackage{
			{ImportPath: "candour", GoFiles: []string{"cmd_serve.go", "main.go"}},
		}, "the module root holds [cmd_serve.go main.go]"},
	}
	for _, tc := range cases {
		got := houseProblems(tc.pkgs)
		if len(got) != 1 || !strings.HasPrefix(got[0], tc.want) {
			t.Errorf("%s: problems %q, want one starting %q", tc.name, got, tc.want)
		}
	}
	if got := houseProblems([]goPackage{
		{ImportPath: "candour", GoFiles: []string{"main.go"}, Imports: []string{"candour/cli"}},
		{ImportPath: "candour/cli", Imports: []string{"candour/server", "candour/jobs"}},
		{ImportPath: "candour/jobs", Imports: []string{"candour/store"}},
	}); len(got) != 0 {
		t.Errorf("a house built to plan: %q", got)
	}
}
