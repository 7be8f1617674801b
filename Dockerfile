# syntax=docker/dockerfile:1
#
# Candour's production image: the front end compiled by node, the binary by
# Go, and only the binary in a distroless, non-root final image.
#
#   docker build -t candour .
#   docker compose up        (the app plus MongoDB 8 as a replica set)

# 1. Front end: GOV.UK Frontend and our Sass compiled into static/dist, by
#    the Makefile's own "static" target so that there is one recipe.
FROM node:20 AS assets
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund && touch node_modules/.stamp
COPY . .
RUN make static

# 2. The binary: static (CGO off; the embedded store's SQLite is pure Go),
#    with the front end embedded by //go:embed.
FROM golang:1.26 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=assets /src/static/dist ./static/dist
RUN go build -tags ferretdb_no_postgresql -ldflags="-s -w" -o /out/candour . \
 && mkdir -p /out/data

# 3. Run: no shell, no package manager, uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/candour /candour
# Only used with CANDOUR_ALLOW_EMBEDDED=true: production runs on MongoDB.
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot
ENV CANDOUR_ADDR=0.0.0.0:8080 \
    CANDOUR_ENV=production \
    CANDOUR_DATA_DIR=/data
EXPOSE 8080
ENTRYPOINT ["/candour"]
CMD ["serve"]
