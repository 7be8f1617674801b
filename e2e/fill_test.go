package e2e

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestFillInIsLikeTyping checks that fillIn leaves a form as key events
// typing the same text would (chromedp.SendKeys): the same values (a
// filled-in field gets the text where the caret is, a textarea keeps its
// newlines, a <select> takes the option its first letters name), the same
// field focused, and the page told of the input in each field it changed;
// with scripts off as well.
func TestFillInIsLikeTyping(t *testing.T) {
	requireBrowser(t)
	const form = `<!doctype html><title>Form</title><form>` +
		`<input id=where value=Poole><input id=code><textarea id=agenda></textarea>` +
		`<select id=force><option value="">Choose</option><option value=wiltshire>Wiltshire Police</option><option value=dorset>Dorset Police</option></select>` +
		`</form><script>addEventListener('input', e => { window.inputs = (window.inputs || []).concat(e.target.id) })</script>`
	typed := func(sel, text string) chromedp.Action[chromedp.Void] {
		return chromedp.SendKeys(chromedp.CSS(sel), text)
	}
	for _, jsOff := range []bool{false, true} {
		tb := newTab(t, "", jsOff)
		fill := func(put func(sel, text string) chromedp.Action[chromedp.Void]) string {
			t.Helper()
			if err := chromedp.Do(tb.ctx, chromedp.Navigate("data:text/html,"+url.PathEscape(form)),
				put("#where", " and Weymouth"), put("#agenda", "Welcome\nTaser use by ethnicity"),
				put("#force", "dorset"), put("#code", "123 456")); err != nil {
				t.Fatal(err)
			}
			var got string
			tb.withScripts(t, func() {
				var err error
				got, err = chromedp.Run(tb.ctx, chromedp.Evaluate[string](`JSON.stringify([
				  ...['where', 'code', 'agenda', 'force'].map(id => document.getElementById(id).value),
				  document.activeElement.id,
				  [...new Set(window.inputs || [])].sort(),
				])`))
				if err != nil {
					t.Fatal(err)
				}
			})
			return got
		}
		want, got := fill(typed), fill(fillIn)
		if got != want {
			t.Errorf("scripts off=%v: filled in, the form is %s; typed, %s", jsOff, got, want)
		}
		t.Logf("scripts off=%v: %s", jsOff, got)
	}
}
