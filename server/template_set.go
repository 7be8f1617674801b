package server

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"text/template/parse"

	"candour/templates"
)

// pageTemplates is the embedded templates, parsed the first time a Server
// is built and shared by every Server after it (as staticAssets is). They
// are fixed when the binary is built, and a Server only executes them
// (html/template is safe to execute from many goroutines and escapes a
// template once, under its own lock). The portal builds one Server; the
// tests build one per test, and under the race detector a parse cost about
// 0.28 s of CPU each time (7 December 2026).
var pageTemplates = sync.OnceValues(func() (templateSet, error) { return parseTemplates(templates.FS) })

// parseTemplates builds one template set per page: the layout, the page,
// and the partial files that define what they call (transitively), parsed
// once at start-up. A page's set holds only the partials it uses: every
// set is its own copy of what it holds (html/template copies the parse
// trees it escapes), and 109 pages each holding every partial were 22 MB
// of the idle portal's 41 MB heap (make bench -profile, 6 December 2026).
func parseTemplates(fsys fs.FS) (templateSet, error) {
	layouts, err := fs.Glob(fsys, "layouts/*.html")
	if err != nil {
		return nil, err
	}
	partials, err := fs.Glob(fsys, "partials/*.html")
	if err != nil {
		return nil, err
	}
	pages, err := fs.Glob(fsys, "pages/*.html")
	if err != nil {
		return nil, err
	}
	// What each file defines and calls.
	files := map[string]templateFile{}
	definedIn := map[string]string{} // template name → partial file
	for _, f := range slices.Concat(layouts, partials, pages) {
		tf, err := readTemplateFile(fsys, f)
		if err != nil {
			return nil, err
		}
		files[f] = tf
		if strings.HasPrefix(f, "partials/") {
			for _, name := range tf.defines {
				definedIn[name] = f
			}
		}
	}
	set := templateSet{}
	for _, p := range pages {
		need := slices.Clone(layouts)
		need = append(need, p)
		for i := 0; i < len(need); i++ { // need grows as partials call others
			for _, name := range files[need[i]].calls {
				if f, ok := definedIn[name]; ok && !slices.Contains(need, f) {
					need = append(need, f)
				}
			}
		}
		t, err := template.New("").Funcs(funcs).ParseFS(fsys, need...)
		if err != nil {
			return nil, fmt.Errorf("templates: %s: %w", p, err)
		}
		set[strings.TrimSuffix(path.Base(p), ".html")] = t
	}
	return set, nil
}

// templateFile is what one template file defines and which templates it
// calls ({{template "name"}}).
type templateFile struct {
	defines, calls []string
}

func readTemplateFile(fsys fs.FS, name string) (templateFile, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return templateFile{}, err
	}
	trees := map[string]*parse.Tree{}
	t := parse.New(name)
	t.Mode = parse.SkipFuncCheck // the functions are checked when the set is parsed
	if _, err := t.Parse(string(b), "", "", trees); err != nil {
		return templateFile{}, fmt.Errorf("templates: %w", err)
	}
	var tf templateFile
	for def, tree := range trees {
		tf.defines = append(tf.defines, def)
		tf.calls = appendCalls(tf.calls, tree.Root)
	}
	slices.Sort(tf.defines) // the map's order is random: keep start-up the same every time
	slices.Sort(tf.calls)
	return tf, nil
}

// appendCalls adds the names of the templates n calls.
func appendCalls(calls []string, n parse.Node) []string {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return calls
		}
		for _, c := range n.Nodes {
			calls = appendCalls(calls, c)
		}
	case *parse.TemplateNode:
		calls = append(calls, n.Name)
	case *parse.IfNode:
		calls = appendCalls(appendCalls(calls, n.List), n.ElseList)
	case *parse.RangeNode:
		calls = appendCalls(appendCalls(calls, n.List), n.ElseList)
	case *parse.WithNode:
		calls = appendCalls(appendCalls(calls, n.List), n.ElseList)
	}
	return calls
}
