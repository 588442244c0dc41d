# syntax=docker/dockerfile:1
# One image for Cutover's three processes; the command picks one:
#   api      node --import tsx src/api/main.ts      (the default)
#   worker   node --import tsx worker.ts
#   migrate  node --import tsx src/db/migrate-main.ts
# TypeScript runs through tsx at start-up (as `npm run api` does), so there is no compile stage: the source
# ships as is, and the worker needs src/workflows in the image anyway, to bundle them when it starts.
# Usage and the compose stack: docs/docker.md.

ARG NODE_VERSION=20

# Debian, not Alpine: @temporalio/core-bridge ships prebuilt native binaries for glibc Linux only.
FROM node:${NODE_VERSION}-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Installed inside the build, never copied from the host: native packages must match the image's platform.
RUN --mount=type=cache,target=/root/.npm \
    npm ci --omit=dev --no-audit --no-fund

FROM node:${NODE_VERSION}-bookworm-slim AS runtime
# tini as PID 1 forwards SIGTERM to Node (the api and worker shut down cleanly on it) and reaps zombies.
# ca-certificates: the worker's Rust core (tonic) trusts the system CA store for TLS to Temporal, and the
# slim image has none; Node and the api's gRPC client carry their own.
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini ca-certificates \
    && rm -rf /var/lib/apt/lists/*

# HOST: the app binds 127.0.0.1 unless told otherwise, which nothing outside the container can reach.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080
WORKDIR /app
# Files stay owned by root, so the process (user node) cannot rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json worker.ts ./
COPY drizzle ./drizzle
COPY src ./src

USER node
EXPOSE 8080

# Liveness of the api, the default command. Not /readyz: a Postgres or Temporal outage is not a reason to
# call this container broken. The worker and migrate serve no HTTP: turn it off for them (compose does).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
# `node --import tsx` loads the same hooks as the tsx CLI behind the npm scripts, but in one process: no
# npm, shell or tsx parent between tini and Node to relay (or lose) signals and exit codes.
CMD ["node", "--import", "tsx", "src/api/main.ts"]
