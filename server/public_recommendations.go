package server

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
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

// publishedRecs reads every published recommendation for the open data.
func (s *Server) publishedRecs(c *gin.Context) ([]publicRec, bool) {
	ctx := c.Request.Context()
	rs, err := s.recs.AllRecommendations(ctx, store.RecommendationFilter{Published: true})
	if err != nil {
		s.serverError(c, err)
		return nil, false
	}
	names, _, err := groupNamesIn(ctx, s.recs)
	if err != nil {
		s.serverError(c, err)
		return nil, false
	}
	out := make([]publicRec, len(rs))
	for i := range rs {
		out[i] = s.publicOf(&rs[i], names)
	}
	return out, true
}

// publicRecommendationJSON is "You said, we did" as open data.
func (s *Server) publicRecommendationJSON(c *gin.Context) {
	recs, ok := s.publishedRecs(c)
	if !ok {
		return
	}
	body, err := json.MarshalIndent(struct {
		Publisher       string      `json:"publisher"`
		Title           string      `json:"title"`
		Licence         string      `json:"licence"`
		Generated       time.Time   `json:"generated"`
		Recommendations []publicRec `json:"recommendations"`
	}{s.cfg.ForceName, "You said, we did", "Open Government Licence v3.0", s.recs.Now().UTC().Truncate(time.Second), recs}, "", "  ")
	if err != nil {
		s.serverError(c, err)
		return
	}
	// Open data is polled: its ETag covers the recommendations (not the
	// "generated" time) and Last-Modified is the latest change among them.
	tag, _ := json.Marshal(recs)
	latest := time.Time{}
	for _, r := range recs {
		if r.LastUpdate.After(latest) {
			latest = r.LastUpdate
		}
	}
	serveConditional(c, "application/json; charset=utf-8", cacheFeedPublic, latest, body, tag)
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
// recently updated first.
func (s *Server) publicRecommendationAtom(c *gin.Context) {
	recs, ok := s.publishedRecs(c)
	if !ok {
		return
	}
	feed := atomFeed{Title: "You said, we did: " + s.cfg.ForceName, ID: s.link("/you-said-we-did"),
		Author: atomAuthor{Name: s.cfg.ForceName},
		Links:  []atomLink{{Rel: "self", Href: s.link("/you-said-we-did.atom")}, {Rel: "alternate", Href: s.link("/you-said-we-did")}}}
	latest := time.Time{}
	for _, r := range recs {
		if r.LastUpdate.After(latest) {
			latest = r.LastUpdate
		}
		summary := "You said: " + r.YouSaid + "\nStatus: " + r.StatusLabel
		if r.WeDid != "" {
			summary += "\nWe did: " + r.WeDid
		}
		feed.Entries = append(feed.Entries, atomEntry{Title: r.Title, ID: r.URL, Updated: r.LastUpdate.Format(time.RFC3339),
			Link: atomLink{Rel: "alternate", Href: r.URL}, Summary: summary})
	}
	if latest.IsZero() {
		latest = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	feed.Updated = latest.Format(time.RFC3339)
	body, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		s.serverError(c, err)
		return
	}
	// Feed readers poll: ETag and Last-Modified let them ask "changed?" for a 304.
	serveConditional(c, "application/atom+xml; charset=utf-8", cacheFeedPublic, latest, append([]byte(xml.Header), body...))
}

// recUnderway reports whether a recommendation's progress means something
// to the public: once accepted and until it is done. "Not accepted · 0%
// complete" would only confuse.
func recUnderway(status string) bool {
	return status == store.RecAccepted || status == store.RecAcceptedInPart || status == store.RecInProgress
}
