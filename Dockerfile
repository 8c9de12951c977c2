# syntax=docker/dockerfile:1
#
# The pip-tls-setup image. It carries /pip-tls-setup: the tool as one self-contained file (a zipapp with
# its dependencies and cryptography's native parts for Linux x86_64/aarch64, glibc and musl) that any image
# with CPython 3.9-3.14 can copy in and run, with no network and no pip:
#
#   COPY --from=pip-tls-setup:1 /pip-tls-setup /usr/local/bin/pip-tls-setup
#   RUN --mount=type=secret,id=corp-ca pip-tls-setup --ca /run/secrets/corp-ca
#
# Build it (behind a TLS-intercepting proxy give the proxy's CA as a build secret, never as a build arg;
# the proxy comes from the usual HTTPS_PROXY build arg):
#
#   docker build --secret id=corp-ca,src=corp-root.pem -t pip-tls-setup:1 .
#
# Every wheel inside is checked against entrypoint/requirements.lock (sha256) before it is used.

ARG BUILDER=python:3.12-slim
ARG RUNTIME=python:3.12-slim

FROM ${BUILDER} AS build
WORKDIR /src
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

FROM ${RUNTIME}
COPY --from=build /out/pip-tls-setup /pip-tls-setup
RUN ln -s /pip-tls-setup /usr/local/bin/pip-tls-setup && python3 /pip-tls-setup --version
LABEL org.opencontainers.image.title="pip-tls-setup" \
      org.opencontainers.image.description="pip behind TLS-intercepting proxies, verification on; /pip-tls-setup is a single-file build to COPY --from"
USER 65534:65534
ENTRYPOINT ["python3", "/pip-tls-setup"]
CMD ["--help"]
