# Dojo Relay image.
#   docker build -t dojo-relay .
#   docker run -p 8080:8080 -v relay-data:/data -e DOJO_URL=https://defectdojo.example.com \
#     -e WEBHOOK_HEADER_VALUE="Token …" dojo-relay

# --- build: compile TypeScript, then drop the dev dependencies ---------------------------------
FROM node:24-bookworm-slim AS build
# Compilers for better-sqlite3's native module, for when no prebuilt binary fits the platform.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The lock file alone first, so a source change does not reinstall every package.
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

# --- runtime: the compiled bridge and its production dependencies, nothing else -------------
FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The default DATABASE_URL, sqlite:data/relay.sqlite, lands in the /data volume through this link
# (secret.key beside it). DATABASE_URL is deliberately not set here: an image-level variable would
# override a RELAY_CONFIG file's DATABASE_URL and clash with DATABASE_URL_FILE.
RUN mkdir /data && chown node:node /data && ln -s /data /app/data
VOLUME /data
USER node
EXPOSE 8080
# No curl in the slim image; Node's own fetch does. PORT only if it is set in the environment.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# What `npm start` runs once its `npm run build` is done, and the build is done above. Not
# `npm start` itself: it would need TypeScript and the sources in the image and rebuild on every
# start, and npm as PID 1 does not pass SIGTERM on to node, so `docker stop` and Kubernetes would
# skip the graceful shutdown and kill the bridge after the grace period.
# test/deploy/deploy.test.ts checks that this stays package.json's start command. Its flag caps V8's
# young generation at 8 MB a half: node's own default grows it to 16 MB a half on Node 20 and to
# 64 on this image's Node 24. On Node 20 the cap saved about 10 MB of RSS in a burst of webhooks
# with no throughput lost (README, Benchmarks).
CMD ["node", "--max-semi-space-size=8", "dist/src/main.js"]
