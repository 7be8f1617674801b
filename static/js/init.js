// Candour's only script: start GOV.UK Frontend's components. Every page
// works without it. It is an external ES module so that a strict
// Content-Security-Policy (script-src 'self', no inline script) allows it.
//
// GOV.UK's page template adds two classes to <body> with an inline script;
// our CSP forbids that, so this module does it. A browser that runs an ES
// module is one GOV.UK Frontend supports, so "govuk-frontend-supported" is
// always right here, and initAll() only starts components once that class is
// on <body>. Module scripts are deferred, so <body> exists when this runs.
import { initAll } from '/static/dist/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
