// Candour's only script: start GOV.UK Frontend's components. Every page
// works without it; a strict CSP (script-src 'self') means no inline script,
// so the class GOV.UK Frontend expects on <body> is added here.
import { initAll } from '/static/dist/govuk-frontend.min.js'

document.body.classList.add('js-enabled', 'govuk-frontend-supported')
initAll()
