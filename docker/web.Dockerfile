# syntax=docker/dockerfile:1
#
# The web app alone: web/dist behind nginx (unprivileged: runs as uid 101, listens on 8080), which passes /api/,
# /socket.io/ and /media/ on to the gateway (PARLEY_API_UPSTREAM): the app calls the API on its own origin.
# Build from the repository root: docker build -f docker/web.Dockerfile -t parley-web .
# In production the same bundle goes to S3 behind CloudFront (.github/workflows/web-deploy.yml); this image is for
# docker-compose.dev.yml and for hosting the bundle on ECS if CloudFront is not wanted.
#
# Debian packages: pinned to bookworm's upstream version, Debian revision left open (see the Dockerfile).

# --- build: scripts/build-web with Debian's esbuild and TypeScript ---------------------------------------------
FROM debian:bookworm-slim AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The same toolchain as the developers' machines (scripts/bootstrap): Debian's esbuild, TypeScript, React,
# ReactDOM and DOMPurify, which scripts/build-web links into web/node_modules; no npm registry.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        esbuild=0.17.0-1* \
        node-dompurify=2.4.1+dfsg+~2.4.0-* \
        node-react=18.2.0+dfsg+~cs87.31.26-* \
        node-react-dom=18.1.0~18.2.0+dfsg+~cs87.31.26-* \
        node-typescript=4.8.4+ds1-* \
        nodejs=18.20.4+dfsg-1~deb12u* \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src
COPY Generated ./Generated
COPY scripts/build-web ./scripts/build-web
COPY web ./web
RUN scripts/build-web && test -f web/dist/index.html

# --- dist: the bundle alone, for the S3 upload (web-deploy.yml):
#     docker buildx build -f docker/web.Dockerfile --target dist --output type=local,dest=web-dist .
FROM scratch AS dist
COPY --from=build /src/web/dist /

# --- serve ------------------------------------------------------------------------------------------------------
FROM nginxinc/nginx-unprivileged:1.30.4-alpine

# The server block is a template: at start the image's entrypoint writes conf.d/default.conf from it, with the
# gateway's URL and the container's DNS resolvers (docker/nginx.conf).
ENV PARLEY_API_UPSTREAM=http://gateway:8080 \
    NGINX_ENTRYPOINT_LOCAL_RESOLVERS=1
COPY docker/nginx.conf /etc/nginx/templates/default.conf.template
COPY --from=build /src/web/dist /usr/share/nginx/html

EXPOSE 8080

# busybox wget is in the alpine image; /healthz is answered by nginx itself (docker/nginx.conf).
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
    CMD ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
