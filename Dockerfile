# syntax=docker/dockerfile:1
# Troupe node image: `troupe node` joining a NATS JetStream mesh, serving the gateway with --gateway.
# Build:  docker build -t troupe:dev .        Run: docker run -e TROUPE_NATS_URL=nats://nats:4222 -v ./troupe.json:/etc/troupe/troupe.json troupe:dev
# docs/operator-guide.md ("Deploying") explains the compose file and the Kubernetes manifests under deploy/.

# ---- build: compile TypeScript and the native addon, then keep production dependencies only ----------------------
FROM node:20-bookworm AS build
WORKDIR /app
# onnxruntime-node's install script would download a binary; the CPU binary it ships on npm is enough.
ENV ONNXRUNTIME_NODE_INSTALL=skip
COPY package.json package-lock.json ./
# --ignore-scripts: the package's own `prepare` (tsc) needs the sources, copied below. hnswlib-node is the one
# dependency that compiles (node-gyp; python3, make and g++ are in this image); lmdb and msgpackr load prebuilt binaries.
RUN npm ci --no-audit --no-fund --ignore-scripts && npm rebuild hnswlib-node
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: the compiled package and its production dependencies, run by an unprivileged user ------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    TROUPE_HOST=0.0.0.0 \
    TROUPE_PORT=7700 \
    TROUPE_DATA_DIR=/var/lib/troupe
RUN groupadd --system --gid 10001 troupe \
 && useradd --system --uid 10001 --gid troupe --home-dir /var/lib/troupe --no-create-home --shell /usr/sbin/nologin troupe \
 && mkdir -p /var/lib/troupe /etc/troupe \
 && chown troupe:troupe /var/lib/troupe
WORKDIR /app
# Owned by root and read-only to the node: the process can write only its data directory.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The package's `bin` (package.json: troupe -> dist/cli/main.js), on the PATH as npm would link it.
RUN chmod 0755 dist/cli/main.js && ln -s /app/dist/cli/main.js /usr/local/bin/troupe
# Numeric, so Kubernetes' runAsNonRoot can verify it.
USER 10001:10001
EXPOSE 7700
# Liveness of the gateway (`--gateway`); a node started without it has no HTTP port and should drop this check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.TROUPE_PORT||7700)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop, a pod's termination) drains the node: it finishes its work and hands its actors over.
STOPSIGNAL SIGTERM
ENTRYPOINT ["troupe", "node"]
CMD ["--gateway"]
