// Package static embeds the portal's front-end files so that the binary
// serves them with nothing beside it on disk:
//
//   - dist/: built by `make static` from npm packages and never committed:
//     candour.css (GOV.UK Frontend and scss/candour.scss compiled by Sass),
//     govuk-frontend.min.js (GOV.UK Frontend's ES module bundle) and
//     assets/ (GOV.UK Frontend's images; no fonts, we use Arial).
//   - js/: our own scripts (init.js starts GOV.UK Frontend's components).
//   - img/: our own images (a favicon without the crown).
//
// The paths inside FS are the URL paths under /static/, e.g.
// /static/dist/candour.css. Dot files (make's stamps) are left out. A build
// without dist/ fails at compile time ("pattern dist: no matching files
// found"): run `make static` first.
package static

import "embed"

// FS holds dist/, js/ and img/.
//
//go:embed dist js img
var FS embed.FS
