// Package auditfeed writes and reads the Atom feed in which Candour
// publishes its audit chain's signed daily heads (store.PublishedHead),
// so that people outside the force can keep copies and later check the
// stored chain against them (candour audit verify --against FEED). The
// server writes the feed and the command reads it with the same types, so
// the two cannot drift. It does no I/O of its own and knows no keys but
// the public ones in the feed.
package auditfeed

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"candour/store"
)

// Namespace is the XML namespace of the head and key elements.
const Namespace = "urn:candour:audit-head:1"

type feed struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Links   []link   `xml:"link"`
	Author  string   `xml:"author>name"`
	Keys    []key    `xml:"urn:candour:audit-head:1 key"`
	Entries []entry  `xml:"entry"`
}

type link struct {
	Rel  string `xml:"rel,attr"`
	Href string `xml:"href,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// key is one public key, with its id (store.KeyID).
type key struct {
	ID      string `xml:"id,attr"`
	Ed25519 string `xml:"ed25519,attr"` // base64
}

type entry struct {
	Title   string  `xml:"title"`
	ID      string  `xml:"id"`
	Updated string  `xml:"updated"`
	Content content `xml:"content"`
	Head    head    `xml:"urn:candour:audit-head:1 head"`
}

type content struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

type head struct {
	Day       string `xml:"day,attr"`
	Seq       int64  `xml:"seq,attr"`
	Hash      string `xml:"hash,attr"`
	At        string `xml:"at,attr"`
	Key       string `xml:"key,attr"`
	Signature string `xml:"signature,attr"`
}

// Meta is the feed's own description.
type Meta struct {
	Title   string // e.g. "Wessex Police: Candour audit chain heads"
	Author  string // the force's name
	SelfURL string // where the feed lives
	PageURL string // the page that shows the same heads
}

// Write writes heads (newest first) as an Atom feed listing every public
// key that signed one of them.
func Write(w io.Writer, m Meta, heads []store.PublishedHead) error {
	f := feed{Title: m.Title, ID: m.SelfURL, Author: m.Author,
		Links:   []link{{Rel: "self", Href: m.SelfURL, Type: "application/atom+xml"}, {Rel: "alternate", Href: m.PageURL, Type: "text/html"}},
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	if len(heads) > 0 {
		f.Updated = heads[0].At.UTC().Format(time.RFC3339)
	}
	for _, k := range Keys(heads) {
		f.Keys = append(f.Keys, key{ID: k.ID, Ed25519: k.PublicKey})
	}
	for _, h := range heads {
		f.Entries = append(f.Entries, entry{
			Title:   fmt.Sprintf("Audit chain head on %s: event %d", h.Day, h.Seq),
			ID:      m.PageURL + "#" + h.Day,
			Updated: h.At.UTC().Format(time.RFC3339),
			Content: content{Type: "text", Text: string(h.Message()) + "signature " + h.Signature + "\n"},
			Head:    head{Day: h.Day, Seq: h.Seq, Hash: h.Hash, At: h.At.UTC().Format(time.RFC3339), Key: h.KeyID, Signature: h.Signature},
		})
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return fmt.Errorf("auditfeed: %w", err)
	}
	return enc.Close()
}

// PublicKey is one signing key as the page and the feed list it.
type PublicKey struct {
	ID        string
	PublicKey string // base64
	FirstDay  string // the first day it signed a head
	LastDay   string
}

// Keys lists the distinct keys that signed heads, oldest first.
func Keys(heads []store.PublishedHead) []PublicKey {
	var ks []PublicKey
	at := map[string]int{}
	for i := len(heads) - 1; i >= 0; i-- {
		h := heads[i]
		if j, ok := at[h.KeyID]; ok {
			ks[j].LastDay = h.Day
			continue
		}
		at[h.KeyID] = len(ks)
		ks = append(ks, PublicKey{ID: h.KeyID, PublicKey: h.PublicKey, FirstDay: h.Day, LastDay: h.Day})
	}
	return ks
}

// Read parses a feed and checks every head's signature against the key it
// names, from the feed's key list (or, when trusted is not empty, only
// from trusted: keys the reader holds from elsewhere). It returns the
// heads, or an error naming the first head that does not verify.
func Read(r io.Reader, trusted map[string]ed25519.PublicKey) ([]store.PublishedHead, error) {
	var f feed
	if err := xml.NewDecoder(io.LimitReader(r, 64<<20)).Decode(&f); err != nil {
		return nil, fmt.Errorf("the feed does not read as Atom: %w", err)
	}
	keys := trusted
	if len(keys) == 0 {
		keys = map[string]ed25519.PublicKey{}
		for _, k := range f.Keys {
			b, err := base64.StdEncoding.DecodeString(k.Ed25519)
			if err != nil || len(b) != ed25519.PublicKeySize || store.KeyID(b) != k.ID {
				return nil, fmt.Errorf("the feed's key %q is not an Ed25519 public key with that id", k.ID)
			}
			keys[k.ID] = b
		}
	}
	var heads []store.PublishedHead
	for _, e := range f.Entries {
		at, err := time.Parse(time.RFC3339, e.Head.At)
		if err != nil {
			return nil, fmt.Errorf("the head of %s has no readable time", e.Head.Day)
		}
		h := store.PublishedHead{Day: e.Head.Day, Seq: e.Head.Seq, Hash: e.Head.Hash, At: at, KeyID: e.Head.Key, Signature: e.Head.Signature}
		pub, ok := keys[h.KeyID]
		if !ok {
			return nil, fmt.Errorf("the head of %s is signed with key %s, which is not a known key", h.Day, h.KeyID)
		}
		if !h.Verify(pub) {
			return nil, fmt.Errorf("the head of %s (event %d) does not match its signature: the feed has been altered", h.Day, h.Seq)
		}
		h.PublicKey = base64.StdEncoding.EncodeToString(pub)
		heads = append(heads, h)
	}
	if len(heads) == 0 {
		return nil, fmt.Errorf("the feed has no published heads")
	}
	return heads, nil
}
