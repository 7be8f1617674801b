package server

import (
	"fmt"
	"strings"
)

// inputField is what the textInput partial renders.
type inputField struct {
	Name, Label, Value, Error           string
	Type, Hint, Autocomplete, Inputmode string
	Width, LabelSize                    string
	Heading, NoSpellcheck               bool
}

// input builds an inputField in a template. Options are "key=value" words:
// type, hint, autocomplete, inputmode, width, size (label size), and the
// flags heading and nospellcheck.
func input(name, label string, value any, errMsg string, opts ...string) inputField {
	f := inputField{Name: name, Label: label, Value: fmt.Sprint(value), Error: errMsg, Type: "text"}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "type":
			f.Type = v
		case "hint":
			f.Hint = v
		case "autocomplete":
			f.Autocomplete = v
		case "inputmode":
			f.Inputmode = v
		case "width":
			f.Width = v
		case "size":
			f.LabelSize = v
		case "heading":
			f.Heading = true
		case "nospellcheck":
			f.NoSpellcheck = true
		}
	}
	return f
}
