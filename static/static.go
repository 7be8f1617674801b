// Package static embeds the portal's front-end files: dist/ (compiled by make
// from govuk-frontend and our Sass; never committed) and js/ (our own small
// enhancements). It only embeds; the server serves them under /static/.
package static

import "embed"

// FS holds dist/ and js/.
//
//go:embed all:dist js
var FS embed.FS
