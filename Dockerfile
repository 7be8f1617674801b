# syntax=docker/dockerfile:1
#
# Candour's production image: the front end compiled by node, the binary by
# Go, and only the binary in a distroless, non-root final image. Both build
# stages run the Makefile's own targets (deps, static, binary), so the image
# and `make build` compile with the same Sass and Go flags
# (TestDockerfileUsesTheMakefile checks it).
#
#   make image    (docker build with VERSION and COMMIT from git)
#   docker compose up -d   (the app plus MongoDB 8: see docs/operations.md)

# 1. Front end: GOV.UK Frontend and our Sass compiled into static/dist.
#    Node 22 is the LTS line (Node 20 is out of support).
FROM node:22-bookworm AS assets
WORKDIR /src
COPY package.json package-lock.json Makefile ./
RUN make deps
COPY . .
RUN make static

# 2. The binary: static (CGO off; the embedded store's SQLite is pure Go),
#    with the front end embedded by //go:embed, stamped with the version.
FROM golang:1.26-bookworm AS build
ARG VERSION=dev
ARG COMMIT=dev
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/static/dist ./static/dist
RUN make binary VERSION="${VERSION}" COMMIT="${COMMIT}" OUT=/out/candour \
 && mkdir -p /out/data

# 3. Run: no shell, no package manager, uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=dev
LABEL org.opencontainers.image.title="Candour" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
COPY --from=build /out/candour /candour
# Only used with CANDOUR_ALLOW_EMBEDDED=true: production runs on MongoDB.
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot
ENV CANDOUR_ADDR=0.0.0.0:8080 \
    CANDOUR_ENV=production \
    CANDOUR_DATA_DIR=/data
EXPOSE 8080
# No shell or curl here: the binary checks its own /readyz.
HEALTHCHECK --interval=15s --timeout=6s --start-period=30s --retries=3 CMD ["/candour", "healthcheck"]
ENTRYPOINT ["/candour"]
CMD ["serve"]
