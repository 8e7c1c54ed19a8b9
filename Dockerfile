# syntax=docker/dockerfile:1
# Sync Studio's command line in a container: the same mapping files, run headless on
# infrastructure you already have (Kubernetes, CI runners, a VM). The CLI only — no Electron,
# no window. Connections come from environment variables (docs/connections.md), the journal
# from a volume. How to run it, sharded: docs/scale.md.
#
#   docker build -t sync-studio-cli .
#   docker run --rm --env-file sync.env -v "$PWD/mappings:/mappings:ro" -v sync-journal:/var/lib/sync-studio \
#     sync-studio-cli run /mappings/contacts.mapping.json --shard 1/4 --log json

# --- build: the CLI bundle (out/cli/cli.js) from a clean checkout -------------------------
FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Every dependency the build needs (vite is a dev dependency); no install scripts: Electron's
# would download its binary, which the CLI never uses.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig*.json vite.cli.config.mts ./
COPY types ./types
COPY src ./src
# Only the command line's bundle (npm run build also builds the desktop app).
RUN npx vite build -c vite.cli.config.mts

# --- run: Node 20 slim, production dependencies, a non-root user -------------------------
FROM node:20-slim
ENV NODE_ENV=production \
    SYNC_STUDIO_USER_DATA=/var/lib/sync-studio
WORKDIR /app
COPY package.json package-lock.json ./
# The runtime dependencies only (none has an install script). The CLI bundle requires
# @azure/msal-node, undici, zod, jsonata, jsonc-parser, luxon, re2js, libphonenumber-js, selfsigned.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY --from=build /src/out/cli ./out/cli
COPY examples ./examples
# The journal (each shard's under <journal>/shard-i-of-n) and settings live in the volume.
RUN mkdir -p /var/lib/sync-studio && chown node:node /var/lib/sync-studio
VOLUME ["/var/lib/sync-studio"]
USER node
# Exec form: node is PID 1 and gets SIGTERM itself (docker stop, a Kubernetes eviction); the CLI
# handles it like Ctrl+C — writes in flight finish and are journaled, the next run resumes.
ENTRYPOINT ["node", "/app/bin/sync-studio.cjs"]
CMD ["--help"]
