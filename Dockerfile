# Kage Bunshin service image: the `kage-bunshin` package on Node 24 with git, bubblewrap (the
# agents' sandbox) and the OpenSSH client (SSH remotes), run as a non-root user.
#
# NOT BUILT OR RUN HERE: where this repository is developed and tested no image registry is
# reachable and no Docker engine runs. test/unit/package/deploy-files.test.ts keeps this file in
# step with the package instead: the files it copies exist (or scripts/pack-service writes them),
# the commands it runs are the package's own, its settings match deploy/kage-bunshin.service.
#
#   scripts/pack-service deploy        # builds and packs the package into deploy/kage-bunshin.tgz
#   docker build -t kage-bunshin .     # or: docker compose up --build (with PostgreSQL)
#
# bubblewrap makes user namespaces, which Docker's default seccomp and AppArmor profiles refuse:
# run with `--security-opt seccomp=unconfined --security-opt apparmor=unconfined` (compose.yaml
# does), or set KAGE_SANDBOX=off and accept agents running unconfined inside the container.
FROM node:24-bookworm-slim

RUN apt-get update \
 && apt-get install --yes --no-install-recommends git bubblewrap openssh-client ca-certificates tini \
 && rm -rf /var/lib/apt/lists/*

COPY deploy/kage-bunshin.tgz /tmp/kage-bunshin.tgz
RUN ["npm", "install", "--global", "--no-audit", "--no-fund", "/tmp/kage-bunshin.tgz"]
RUN rm /tmp/kage-bunshin.tgz && npm cache clean --force

RUN useradd --system --create-home --home-dir /var/lib/kage-bunshin --shell /usr/sbin/nologin kage-bunshin
USER kage-bunshin
WORKDIR /var/lib/kage-bunshin

# HOST: reachable from outside the container. Plain HTTP beyond loopback is refused unless
# KAGE_ALLOW_PLAIN_HTTP=1 (publish the port on the host's loopback, as compose.yaml does) or TLS
# (KAGE_TLS_CERT/KEY, or a proxy with KAGE_TRUST_PROXY). Webhooks to private addresses (n8n beside
# it) need KAGE_WEBHOOK_PRIVATE_TARGETS=allow. SIGTERM drains for KAGE_DRAIN_SECONDS: give
# `docker stop --time` (compose: stop_grace_period) longer than that.
ENV HOST=0.0.0.0 \
    PORT=8000 \
    KAGE_DATA_DIR=/var/lib/kage-bunshin \
    NODE_ENV=production
VOLUME ["/var/lib/kage-bunshin"]
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "--eval", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# tini: forwards SIGTERM (the service's graceful stop) and reaps the agents' orphans.
ENTRYPOINT ["tini", "--", "kage-bunshin"]
CMD ["serve"]
