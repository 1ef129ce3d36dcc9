# syntax=docker/dockerfile:1
#
# The one Parley image: `parley serve` (the monolith, which also serves the web bundle) or
# `parley serve --service NAME` (one service per container). Build: docker build -t parley .
#
# Debian packages are pinned to the upstream version Debian 12 (bookworm) ships, with the Debian revision left
# open (`=1.23.1-*`): bookworm's security updates only change the revision, and an exact pin would fail the build
# as soon as the mirror drops the old revision. A new upstream version in bookworm fails the build on purpose:
# bump the pin then. The base images are pinned by tag; let Dependabot/Renovate move them to digests.

# WEB_BUNDLE=built (default) builds web/ with scripts/build-web into the image, for the monolith to serve;
# WEB_BUNDLE=none leaves web/dist empty: for service images (CloudFront serves the bundle in production), and for
# building before web/ exists. Only the stage that is chosen gets built.
ARG WEB_BUNDLE=built

# --- build: the release binary -------------------------------------------------------------------------------
FROM swift:6.3.1-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# The C libraries behind the CMongoC, CHiredis, COpenSSL and CSQLite targets (pkg-config finds their flags).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libbson-dev=1.23.1-* \
        libhiredis-dev=0.14.1-* \
        libmongoc-dev=1.23.1-* \
        libsqlite3-dev=3.40.1-* \
        libssl-dev=3.0.* \
        pkg-config=1.8.1-* \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first, in their own layer: it is rebuilt only when the manifest (or Package.resolved) changes.
# Package.resolved is optional (the glob matches nothing when it is absent); when present it is obeyed exactly.
COPY Package.* ./
RUN if [[ -f Package.resolved ]]; then swift package resolve --force-resolved-versions; \
    else swift package resolve; fi

# Then the sources: the build plugin reads schema/, and SwiftPM checks every target's folder, tests included
# (.dockerignore leaves out the Python-only Tests/ folders).
COPY Plugins ./Plugins
COPY schema ./schema
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product parley --static-swift-stdlib \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/parley" /out/parley

# --- web: the React bundle (web/dist) ------------------------------------------------------------------------
FROM debian:bookworm-slim AS web-built
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

FROM scratch AS web-none
WORKDIR /src/web/dist

# DL3006 (tag the image) does not apply: web-${WEB_BUNDLE} names one of the two stages above, not a registry image.
# hadolint ignore=DL3006
FROM web-${WEB_BUNDLE} AS web

# --- runtime --------------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Runtime libraries only (their own dependencies come along: libsasl2, libicu72, ...), CA certificates for outbound
# TLS (S3, Web Push, link previews, Atlas, ElastiCache over rediss://), and curl for the HEALTHCHECK: the slim image has no
# HTTP client and parley has no health subcommand. The user owns /data (DATA_DIR) and nothing else.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates=20250419~deb12u* \
        curl=7.88.1-* \
        libbson-1.0-0=1.23.1-* \
        libhiredis0.14=0.14.1-* \
        libmongoc-1.0-0=1.23.1-* \
        libsqlite3-0=3.40.1-* \
        libssl3=3.0.* \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 parley \
    && useradd --system --uid 10001 --gid parley --home-dir /data --no-create-home \
        --shell /usr/sbin/nologin parley \
    && install -d -o parley -g parley -m 0750 /data

COPY --from=build /out/parley /usr/local/bin/parley
# The bundle parley serves at / (WEB_DIR); empty with WEB_BUNDLE=none, and then parley serves the API only.
WORKDIR /app
COPY --from=web /src/web/dist ./web/dist

# PARLEY_ENV=production: a container started without its secrets refuses to start instead of making up its own
# (docker-compose.dev.yml sets development).
ENV HOST=0.0.0.0 \
    PORT=8080 \
    DATA_DIR=/data \
    WEB_DIR=/app/web/dist \
    PARLEY_ENV=production

# parley (uid/gid 10001), numeric so that "run as non-root" checks can verify it without reading /etc/passwd.
USER 10001:10001
# Both are volumes so that a read-only root file system still has them: on ECS Fargate the task's bind mounts at
# these paths take the image's ownership and modes (/data: parley 0750, /tmp: 1777) only when the image declares
# them as VOLUMEs; otherwise they are root's and 0755, and parley could not write.
VOLUME ["/data", "/tmp"]
EXPOSE 8080

# Liveness only: /readyz (MongoDB and Redis) is for the load balancer, not for restarting the container.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["/bin/sh", "-c", "curl -fsS -o /dev/null \"http://127.0.0.1:${PORT}/healthz\" || exit 1"]

ENTRYPOINT ["parley"]
CMD ["serve"]
