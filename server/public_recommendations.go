package server

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"candour/apperr"
	"candour/store"
	"candour/words"
)

// publicRec is everything "You said, we did" may show about a
// recommendation. It is built from the public fields only, so the group's
// wording, the owner, the evidence, progress notes and every name in the
// history can never reach a public page, the JSON or the feed.
type publicRec struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	YouSaid     string    `json:"youSaid"`
	WeDid       string    `json:"forceResponse"`
	Status      string    `json:"status"`
	StatusLabel string    `json:"statusLabel"`
	Percent     int       `json:"percentComplete"`
	Area        string    `json:"raceActionPlanArea"`
	Group       string    `json:"raisedBy"`
	Raised      time.Time `json:"raised"`
	LastUpdate  time.Time `json:"lastUpdated"`
	URL         string    `json:"url"`
}

// publicOf projects a published recommendation for the public.
func (s *Server) publicOf(r *store.RecSummary, groups map[string]string) publicRec {
	return publicRec{ID: r.ID, Title: r.PublicTitle, YouSaid: r.PublicSummary, WeDid: r.PublicResponse,
		Status: r.Status, StatusLabel: words.RecStatus(r.Status), Percent: r.Percent,
		Area: words.RAPArea(r.Area), Group: groups[r.GroupID], Raised: r.RaisedAt.UTC(),
		LastUpdate: r.UpdatedAt.UTC().Truncate(24 * time.Hour), URL: s.link("/you-said-we-did/" + r.ID)}
}

type publicListData struct {
	Recs        []publicRec
	Area, Group choiceField
	Filtered    bool
	Pages       pager
}

// publicRecommendationList is "You said, we did": published
// recommendations, filtered by area and group, without signing in.
func (s *Server) publicRecommendationList(c *gin.Context) {
	ctx := c.Request.Context()
	names, groups, err := groupNamesIn(ctx, s.recs)
	if err != nil {
		s.serverError(c, err)
		return
	}
	f := store.RecommendationFilter{Published: true, Area: c.Query("area"), GroupID: c.Query("group"), Page: pageNumber(c.Query("page"))}
	d := &publicListData{
		Area:     newChoices("area", "Race Action Plan area", f.Area, nil, areaChoices("Any area")),
		Group:    newChoices("group", "Raised by", f.GroupID, nil, groupChoices(groups, "Any group")),
		Filtered: f.Area != "" || f.GroupID != "",
	}
	page := &Page{Title: "You said, we did", Data: d}
	if err := checkChoices(&d.Area, &d.Group); err != nil {
		s.formAgain(c, "public_recommendations", page, err)
		return
	}
	rs, more, err := s.recs.ListRecommendations(ctx, f)
	if err != nil {
		s.serverError(c, err)
		return
	}
	for i := range rs {
		d.Recs = append(d.Recs, s.publicOf(&rs[i], names))
	}
	d.Pages = newPager(map[string]string{"area": f.Area, "group": f.GroupID}, f.Page, more)
	s.render(c, http.StatusOK, "public_recommendations", page)
}

// publicRecommendationShow is one published recommendation; anything
// unpublished is "not found", as if it did not exist.
func (s *Server) publicRecommendationShow(c *gin.Context) {
	ctx := c.Request.Context()
	r, err := s.recs.Recommendation(ctx, c.Param("id"))
	if apperr.Is(err, apperr.NotFound) || (err == nil && !r.Published) {
		s.notFound(c)
		return
	}
	if err != nil {
		s.serverError(c, err)
		return
	}
	names, _, err := groupNamesIn(ctx, s.recs)
	if err != nil {
		s.serverError(c, err)
		return
	}
	sum := r.Summary()
	p := s.publicOf(&sum, names)
	s.render(c, http.StatusOK, "public_recommendation", &Page{Title: p.Title, Data: p})
}

// openData is "You said, we did" as open data, made once per load of the
// recommendations' copy (store.RecommendationsCopy: any change to a
// recommendation loads it again, on MongoDB another instance's too) and
// the group names it was made with, and kept (s.openData): the JSON of
// every published recommendation, its ETag and the Atom feed, so that a
// request costs a copy of bytes, not an encoding of the whole register
// (13.8 times slower at ten times the recommendations, issue 18). Only
// the JSON's "generated" time is written per request (openDataJSON).
type openData struct {
	groups       string      // the group names it was made with (groupsKey)
	recs         []publicRec // every published recommendation, newest raised first
	latest       time.Time   // the latest change among them (Last-Modified)
	json         []byte      // recs as the document's "recommendations" value, indented as in it
	etag         string      // over recs, not the generated time
	atom         []byte      // the whole Atom feed
	atomTag      string      // its ETag
	atomModified time.Time   // its Last-Modified: its updated time (atomUpdated)
}

// openDataKept is how many made open data the cache keeps: one per load of
// the copy, so only the newest is ever asked for.
const openDataKept = 4

// groupsKey is the group names as one string, so that a renamed group
// makes the open data again though no recommendation changed.
func groupsKey(names map[string]string, groups []store.Group) string {
	var b strings.Builder
	for _, g := range groups {
		b.WriteString(g.ID)
		b.WriteByte(0)
		b.WriteString(names[g.ID])
		b.WriteByte(0)
	}
	return b.String()
}

// publishedData is the open data for the recommendations as they are
// now, made when the register or a group's name has changed since.
func (s *Server) publishedData(c *gin.Context) (*openData, bool) {
	ctx := c.Request.Context()
	all, n, err := s.recs.RecommendationsCopy(ctx)
	if err != nil {
		s.serverError(c, err)
		return nil, false
	}
	names, groups, err := groupNamesIn(ctx, s.recs)
	if err != nil {
		s.serverError(c, err)
		return nil, false
	}
	key, gk := strconv.FormatUint(n, 10), groupsKey(names, groups)
	build := func() (*openData, error) { return s.makeOpenData(all, names, gk) }
	d, err := s.openData.Load(key, build)
	if err == nil && d.groups != gk {
		if d, err = build(); err == nil {
			s.openData.Put(key, d)
		}
	}
	if err != nil {
		s.serverError(c, err)
		return nil, false
	}
	return d, true
}

// makeOpenData encodes the published recommendations among all (in the
// register's order) once.
func (s *Server) makeOpenData(all []store.RecSummary, names map[string]string, gk string) (*openData, error) {
	d := &openData{groups: gk, recs: []publicRec{}}
	for i := range all {
		if all[i].Published {
			d.recs = append(d.recs, s.publicOf(&all[i], names))
		}
	}
	for _, r := range d.recs {
		if r.LastUpdate.After(d.latest) {
			d.latest = r.LastUpdate
		}
	}
	var err error
	// As the array's lines sit inside the document (openDataJSON):
	// indented one level more, the first line after its key.
	if d.json, err = json.MarshalIndent(d.recs, "  ", "  "); err != nil {
		return nil, err
	}
	// Open data is polled: its ETag covers the recommendations (not the
	// "generated" time).
	tag, err := json.Marshal(d.recs)
	if err != nil {
		return nil, err
	}
	d.etag = etagOf(tag)
	if d.atom, err = s.atomOf(d.recs, d.latest); err != nil {
		return nil, err
	}
	d.atomTag = etagOf(d.atom)
	d.atomModified = atomUpdated(d.latest)
	return d, nil
}

// openDataDoc is the open data's JSON document: its shape is promised
// (docs/recommendations.md), and openDataJSON writes exactly what
// json.MarshalIndent(openDataDoc, "", "  ") would
// (TestOpenDataJSONIsTheDocumentEncoded).
type openDataDoc struct {
	Publisher       string      `json:"publisher"`
	Title           string      `json:"title"`
	Licence         string      `json:"licence"`
	Generated       time.Time   `json:"generated"`
	Recommendations []publicRec `json:"recommendations"`
}

// openDataJSON is the document for d generated at, the recommendations'
// bytes copied from d rather than encoded again.
func openDataJSON(d *openData, publisher string, generated time.Time) ([]byte, error) {
	head, err := json.MarshalIndent(openDataDoc{Publisher: publisher, Title: "You said, we did",
		Licence: "Open Government Licence v3.0", Generated: generated}, "", "  ")
	if err != nil {
		return nil, err
	}
	// head ends `"recommendations": null` and the closing brace.
	const tail = "null\n}"
	if !bytes.HasSuffix(head, []byte(tail)) {
		return nil, fmt.Errorf("open data: unexpected document end %q", head[max(len(head)-20, 0):])
	}
	head = head[:len(head)-len(tail)]
	out := make([]byte, 0, len(head)+len(d.json)+2)
	out = append(append(append(out, head...), d.json...), "\n}"...)
	return out, nil
}

// publicRecommendationJSON is "You said, we did" as open data.
func (s *Server) publicRecommendationJSON(c *gin.Context) {
	d, ok := s.publishedData(c)
	if !ok {
		return
	}
	body, err := openDataJSON(d, s.cfg.ForceName, s.recs.Now().UTC().Truncate(time.Second))
	if err != nil {
		s.serverError(c, err)
		return
	}
	serveTagged(c, "application/json; charset=utf-8", cacheFeedPublic, d.latest, body, d.etag)
}

// Atom (RFC 4287) feed types.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Author  atomAuthor  `xml:"author"`
	Links   []atomLink  `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
}

// publicRecommendationAtom is "You said, we did" as an Atom feed, most
// recently raised first, made with the open data (publishedData).
func (s *Server) publicRecommendationAtom(c *gin.Context) {
	d, ok := s.publishedData(c)
	if !ok {
		return
	}
	// Feed readers poll: ETag and Last-Modified let them ask "changed?" for a 304.
	serveTagged(c, "application/atom+xml; charset=utf-8", cacheFeedPublic, d.atomModified, d.atom, d.atomTag)
}

// atomUpdated is the feed's updated time (and Last-Modified) for the
// latest change among its entries; a fixed date when it has none.
func atomUpdated(latest time.Time) time.Time {
	if latest.IsZero() {
		return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return latest
}

// atomOf is the Atom feed of recs, whose latest change is latest.
func (s *Server) atomOf(recs []publicRec, latest time.Time) ([]byte, error) {
	feed := atomFeed{Title: "You said, we did: " + s.cfg.ForceName, ID: s.link("/you-said-we-did"),
		Author: atomAuthor{Name: s.cfg.ForceName},
		Links:  []atomLink{{Rel: "self", Href: s.link("/you-said-we-did.atom")}, {Rel: "alternate", Href: s.link("/you-said-we-did")}}}
	for _, r := range recs {
		summary := "You said: " + r.YouSaid + "\nStatus: " + r.StatusLabel
		if r.WeDid != "" {
			summary += "\nWe did: " + r.WeDid
		}
		feed.Entries = append(feed.Entries, atomEntry{Title: r.Title, ID: r.URL, Updated: r.LastUpdate.Format(time.RFC3339),
			Link: atomLink{Rel: "alternate", Href: r.URL}, Summary: summary})
	}
	feed.Updated = atomUpdated(latest).Format(time.RFC3339)
	body, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), body...), nil
}

// recUnderway reports whether a recommendation's progress means something
// to the public: once accepted and until it is done. "Not accepted · 0%
// complete" would only confuse.
func recUnderway(status string) bool {
	return status == store.RecAccepted || status == store.RecAcceptedInPart || status == store.RecInProgress
}
