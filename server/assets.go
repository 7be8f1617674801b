package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"candour/static"
)

// Static files are served under content-hashed names
// (/static/dist/candour.3f9a1c2b7d.css): a page names the version it was
// rendered with, so browsers and proxies may keep a file for a year
// (immutable) and a deploy changes the name, never the content behind it.
// The unhashed name still answers, for what CSS and JavaScript reference
// inside themselves (GOV.UK Frontend's images, the module import in
// init.js), with "no-cache" and an ETag, so a browser revalidates it with a
// cheap 304. A hash that is not the current file's (a page from another
// version during a rolling deploy) gets the current file with "no-cache".

const (
	cacheImmutable   = "public, max-age=31536000, immutable"
	cacheRevalidate  = "no-cache"
	assetHashLength  = 10
	staticURLPrefix  = "/static/"
	cacheFeedPublic  = "public, max-age=300"
	cacheFeedPrivate = "private, max-age=900"
)

type asset struct {
	body []byte
	hash string // hex, assetHashLength characters
	url  string // the hashed URL
	kind string // Content-Type
}

type assetSet struct {
	byPath map[string]*asset // path inside the FS (dist/candour.css)
}

var hashedName = regexp.MustCompile(`^(.*)\.([0-9a-f]{10})(\.[^./]+)$`)

// loadAssets reads every file of fsys once.
func loadAssets(fsys fs.FS) (*assetSet, error) {
	set := &assetSet{byPath: map[string]*asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])[:assetHashLength]
		ext := path.Ext(p)
		kind := mime.TypeByExtension(ext)
		if kind == "" {
			kind = http.DetectContentType(b)
		}
		set.byPath[p] = &asset{body: b, hash: h, url: staticURLPrefix + strings.TrimSuffix(p, ext) + "." + h + ext, kind: kind}
		return nil
	})
	return set, err
}

// staticAssets are the embedded front-end files, read at first use.
var staticAssets = sync.OnceValues(func() (*assetSet, error) { return loadAssets(static.FS) })

// assetURL is the template function "asset": the hashed URL of a static
// file named by its path under /static/ ("dist/candour.css"). An unknown
// name is returned unhashed, so a missing file shows as a 404, not a
// broken page.
func assetURL(name string) string {
	set, err := staticAssets()
	if err == nil {
		if a, ok := set.byPath[strings.TrimPrefix(name, "/")]; ok {
			return a.url
		}
	}
	return staticURLPrefix + strings.TrimPrefix(name, "/")
}

// serveStatic answers GET and HEAD /static/*path.
func (set *assetSet) serveStatic(c *gin.Context) {
	p := strings.TrimPrefix(c.Param("path"), "/")
	cache := cacheRevalidate
	a, ok := set.byPath[p]
	if !ok {
		if m := hashedName.FindStringSubmatch(p); m != nil {
			if a, ok = set.byPath[m[1]+m[3]]; ok && a.hash == m[2] {
				cache = cacheImmutable
			}
		}
	}
	if !ok {
		c.Header("Cache-Control", "no-store")
		c.String(http.StatusNotFound, "not found\n")
		return
	}
	h := c.Writer.Header()
	h.Set("Cache-Control", cache)
	h.Set("Content-Type", a.kind)
	h.Set("ETag", `"`+a.hash+`"`)
	http.ServeContent(c.Writer, c.Request, "", time.Time{}, bytes.NewReader(a.body))
}

// serveConditional sends a generated body (a feed) with an ETag of its
// content and, when known, its Last-Modified time, answering If-None-Match
// and If-Modified-Since with 304 Not Modified; cache is its Cache-Control.
// tag, when given, is what the ETag covers instead of the whole body (for a
// body that carries the time it was made).
func serveConditional(c *gin.Context, contentType, cache string, modified time.Time, body []byte, tag ...[]byte) {
	if len(tag) > 0 {
		serveTagged(c, contentType, cache, modified, body, etagOf(bytes.Join(tag, []byte{0})))
		return
	}
	serveTagged(c, contentType, cache, modified, body, etagOf(body))
}

// etagOf is the ETag of content (quoted).
func etagOf(content []byte) string {
	sum := sha256.Sum256(content)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// serveTagged is serveConditional with the ETag already worked out (etagOf),
// for a body kept with it.
func serveTagged(c *gin.Context, contentType, cache string, modified time.Time, body []byte, etag string) {
	h := c.Writer.Header()
	h.Set("Cache-Control", cache)
	h.Set("Content-Type", contentType)
	h.Set("ETag", etag)
	http.ServeContent(c.Writer, c.Request, "", modified.UTC().Truncate(time.Second), bytes.NewReader(body))
}

// utf8BOM starts every CSV download: without it Excel on Windows reads the
// file as the local code page and garbles names such as "Zoë" or "Łukasz".
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// sendCSV is the one way a CSV file is downloaded: a UTF-8 byte-order mark,
// then the rows, as an attachment named filename. Exports are confidential
// (and audited by the caller), so nothing may keep a copy: no-store.
func sendCSV(c *gin.Context, filename string, rows []byte) {
	c.Header("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/csv; charset=utf-8", append(append(make([]byte, 0, len(rows)+3), utf8BOM...), rows...))
}
