# syntax=docker/dockerfile:1@sha256:ecfaec9ed6d810b56388c508f4121597bfbba70d41a6dfeee4d8cad5f295fc32
#
# The pip-tls-setup images. Both carry /pip-tls-setup: the tool as one self-contained file (a zipapp with
# its dependencies and cryptography's native parts for Linux x86_64/aarch64, glibc and musl) that any image
# with CPython 3.9-3.14 can copy in and run, with no network and no pip:
#
#   COPY --from=registry.example/org/pip-tls-setup:1-minimal@sha256:... /pip-tls-setup /usr/local/bin/pip-tls-setup
#   RUN --mount=type=secret,id=corp-ca pip-tls-setup --ca /run/secrets/corp-ca
#
# Two targets (tags in docs/docker.md):
#   minimal   FROM scratch with just /pip-tls-setup, for COPY --from (it cannot run by itself)
#   runtime   the default: a Python image that runs the tool (ENTRYPOINT), e.g. as a scanner
#
# Build it (behind a TLS-intercepting proxy give the proxy's CA as a build secret, never as a build arg;
# the proxy comes from the usual HTTPS_PROXY build arg; label values from tools/release.py --image-args):
#
#   docker build --secret id=corp-ca,src=corp-root.pem -t pip-tls-setup:dev .
#   docker build --secret id=corp-ca,src=corp-root.pem --target minimal -t pip-tls-setup:dev-minimal .
#
# Every base is pinned by digest (tools/refresh_digests.py refreshes them; all-zero digests are placeholders
# it fills, and a release refuses them). BUILDER and RUNTIME override the bases. Every wheel inside is
# checked against entrypoint/requirements.lock (sha256) before it is used.

ARG BUILDER
ARG RUNTIME
# OCI labels (the release workflow sets them: tools/release.py --image-args).
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=https://github.com/org/pip-tls-setup

# The single file is the same for every platform (it carries the native parts of all four): build it once,
# natively, on the builder's platform, and copy it into each platform's image.
FROM --platform=${BUILDPLATFORM} ${BUILDER:-python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea} AS build
WORKDIR /src
COPY LICENSE ./
COPY entrypoint/ entrypoint/
COPY tools/ tools/
COPY src/pip_tls_setup/ src/pip_tls_setup/
ARG PIP_INDEX_URL=
# The corporate CA, if given, is trusted for this download only: bootstrap.py writes a temporary bundle
# (the image's public roots + the CA, pins from PIP_TLS_SETUP_CA_FINGERPRINTS honoured) and removes it.
ARG PIP_TLS_SETUP_CA_FINGERPRINTS=
RUN --mount=type=secret,id=corp-ca,required=false \
    set -eu; \
    if [ -s /run/secrets/corp-ca ]; then \
      python3 entrypoint/bootstrap.py bundle --ca-file /run/secrets/corp-ca --out /tmp/bundle.pem; \
    else \
      python3 entrypoint/bootstrap.py bundle --out /tmp/bundle.pem; \
    fi; \
    python3 tools/build_single_file.py --out /out/pip-tls-setup --wheelhouse /tmp/wheels --cert /tmp/bundle.pem; \
    rm -rf /tmp/bundle.pem /tmp/wheels; \
    python3 /out/pip-tls-setup --version

# Just the single file, for COPY --from=...:1-minimal (no shell, no Python: nothing else to patch).
FROM scratch AS minimal
COPY --from=build /out/pip-tls-setup /pip-tls-setup
ARG VERSION
ARG REVISION
ARG CREATED
ARG SOURCE
LABEL org.opencontainers.image.title="pip-tls-setup (minimal)" \
      org.opencontainers.image.description="pip behind TLS-intercepting proxies, verification on: /pip-tls-setup only, a single-file build to COPY --from into images with CPython 3.9-3.14" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.url="${SOURCE}" \
      org.opencontainers.image.documentation="${SOURCE}/blob/main/docs/docker.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0"

# The runnable image (the default target).
FROM ${RUNTIME:-python:3.12-slim@sha256:78387bc3881b8273120a12ebe6c1ab22b018ccc2c9adf565ae1ac9b536e184ea} AS runtime
COPY --from=build /out/pip-tls-setup /pip-tls-setup
RUN ln -s /pip-tls-setup /usr/local/bin/pip-tls-setup && python3 /pip-tls-setup --version
ARG VERSION
ARG REVISION
ARG CREATED
ARG SOURCE
LABEL org.opencontainers.image.title="pip-tls-setup" \
      org.opencontainers.image.description="pip behind TLS-intercepting proxies, verification on; /pip-tls-setup is a single-file build to COPY --from" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.url="${SOURCE}" \
      org.opencontainers.image.documentation="${SOURCE}/blob/main/docs/docker.md" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0"
USER 65534:65534
ENTRYPOINT ["python3", "/pip-tls-setup"]
CMD ["--help"]
