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

// pageTemplates is the embedded templates, checked the first time a Server
// is built and shared by every Server after it (as staticAssets is): each
// page is parsed again at its first use by any of them, once (parseTemplates).
// They
// are fixed when the binary is built, and a Server only executes them
// (html/template is safe to execute from many goroutines and escapes a
// template once, under its own lock). The portal builds one Server; the
// tests build one per test, and under the race detector a parse cost about
// 0.28 s of CPU each time (7 December 2026).
var pageTemplates = sync.OnceValues(func() (templateSet, error) { return parseTemplates(templates.FS) })

// parseTemplates builds one template set per page: the layout, the page,
// and the partial files that define what they call (transitively). A page's
// set holds only the partials it uses: every set is its own copy of what it
// holds (html/template copies the parse trees it escapes), and 109 pages
// each holding every partial were 22 MB of the idle portal's 41 MB heap
// (make bench -profile, 6 December 2026).
//
// Every page is parsed once here, so that start-up fails if any does not
// parse; what is kept is only the list of its files, and the page is parsed
// again the first time it is drawn (pageTemplate.get), once. An idle portal
// holds no parsed page: the 109 pages' sets, each needed or not, were
// 11–15 MB of its live heap, about half of it, and so twice that of its
// resident memory between collections (issue 18: idle RSS < 100 MB after a
// restart). The first view of each page after a start pays its parse,
// about a millisecond.
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
		pt := &pageTemplate{fsys: fsys, files: need}
		if _, err := pt.parse(); err != nil {
			return nil, fmt.Errorf("templates: %s: %w", p, err)
		}
		set[strings.TrimSuffix(path.Base(p), ".html")] = pt
	}
	return set, nil
}

// pageTemplate is one page's template set, parsed at its first use.
type pageTemplate struct {
	fsys  fs.FS
	files []string
	once  sync.Once
	t     *template.Template
	err   error
}

func (p *pageTemplate) parse() (*template.Template, error) {
	return template.New("").Funcs(funcs).ParseFS(p.fsys, p.files...)
}

// get returns the page's parsed set, parsing it the first time.
func (p *pageTemplate) get() (*template.Template, error) {
	p.once.Do(func() {
		if p.t == nil {
			p.t, p.err = p.parse()
		}
	})
	return p.t, p.err
}

// templateSet holds one template set per page (parseTemplates): each with
// the layout, the page and the partials it calls.
type templateSet map[string]*pageTemplate

// page returns the set of page (false: there is no such page, or it did not
// parse, which start-up has ruled out).
func (ts templateSet) page(name string) (*template.Template, bool) {
	p, ok := ts[name]
	if !ok {
		return nil, false
	}
	t, err := p.get()
	return t, err == nil
}

// put adds a page already parsed (tests).
func (ts templateSet) put(name string, t *template.Template) {
	ts[name] = &pageTemplate{t: t}
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
