# syntax=docker/dockerfile:1
# One image for the whole suite: `clearway serve <service>` selects the service (k8s/ sets args).
# Build from the repository root:  docker build -t clearway:dev .

# Build stage: install the distribution (with its generated stubs and starter data) into a venv.
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/clearway
WORKDIR /src
COPY pyproject.toml README.md ./
COPY services/ services/
RUN /opt/clearway/bin/pip install --no-cache-dir . \
    && /opt/clearway/bin/python -m compileall -q /opt/clearway

# Runtime stage: the venv and the rule packs, nothing else; no compiler, no pip cache, no root.
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/clearway/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp \
    CLEARWAY_HOST=0.0.0.0 \
    CLEARWAY_RULES_DIR=/app/rules \
    CLEARWAY_STATE_DIR=/var/lib/clearway
COPY --from=build /opt/clearway /opt/clearway
WORKDIR /app
# Rule packs baked in, so the image runs on its own; Kubernetes mounts ConfigMaps over them.
COPY rules/ /app/rules/
RUN install -d -o 10001 -g 10001 /var/lib/clearway
# Numeric, so the kubelet can verify runAsNonRoot.
USER 10001:10001
EXPOSE 50050 50051 50052 50053 50054
ENTRYPOINT ["clearway"]
CMD ["serve", "clearance"]
