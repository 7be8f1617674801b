package server

import (
	"context"
	"errors"
	"io"
	"mime/multipart"

	"candour/apperr"
)

// Uploaded files (meeting papers, expenses receipts) share one path: the
// size cap (MaxPaperBytes) and the type found from the content
// (paperType), sealed in chunks at rest (store.sealChunks), scanned
// (PaperScanner) before anyone can download them, and served only as an
// attachment, each download audited.

// openUpload checks one uploaded file against the cap and the allowed
// types (the keys of allowed; kinds says them in words for the message)
// and opens it; the caller closes it. Its problems are apperr Invalid
// against field.
func openUpload(fh *multipart.FileHeader, field string, allowed map[string]string, kinds string) (multipart.File, string, error) {
	if fh == nil || fh.Size == 0 {
		return nil, "", apperr.Invalidf(field, "Choose a file to upload")
	}
	if fh.Size > MaxPaperBytes {
		return nil, "", apperr.Invalidf(field, "The file must be smaller than 10 MB")
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", err
	}
	typ := paperType(f, fh.Size)
	if _, ok := allowed[typ]; !ok || typ == "" {
		f.Close()
		return nil, "", apperr.Invalidf(field, "The file must be %s", kinds)
	}
	return f, typ, nil
}

// scanSealed streams a stored file to the scanner, a chunk at a time
// (open writes its content).
func (s *Server) scanSealed(ctx context.Context, name string, open func(context.Context, io.Writer) error) (bool, string, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(open(ctx, pw)) }()
	clean, reason, err := s.scanner.Scan(ctx, name, pr)
	_ = pr.CloseWithError(errors.New("scan finished"))
	return clean, reason, err
}
