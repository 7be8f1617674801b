// Package templates holds the portal's HTML templates: layouts/ (the page
// frame), partials/ (GOV.UK components every page shares) and pages/ (one per
// view). It only embeds files; the server parses them once at start-up.
package templates

import "embed"

// FS holds every template, and notices/: the default privacy notice and
// accessibility statement, which an operator can replace (CANDOUR_NOTICES_DIR).
//
//go:embed layouts partials pages notices
var FS embed.FS
