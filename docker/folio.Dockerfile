# Folio web and worker image (one image, two roles: FOLIO_ROLE=web | worker).
# Build from the repository root:  docker build -f docker/folio.Dockerfile -t folio .
# The server runs its TypeScript through tsx (no separate compile step); `npm start` runs a bundle built by
# scripts/setup.mjs instead (backend/dist/main.js), which FOLIO_SKIP_SETUP=1 skips here.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY backend/package.json backend/
COPY frontend/package.json frontend/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY frontend/ frontend/
RUN npm run build -w frontend

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    FOLIO_SKIP_SETUP=1 \
    PORT=8080 \
    DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/frontend/dist frontend/dist
COPY package.json package-lock.json tsconfig.json ./
COPY backend/ backend/
COPY examples/ examples/
COPY kernels/jupyter_server_config.py kernels/
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8080
# Kernels come from JUPYTER_URL (docker/kernels.Dockerfile, or Jupyter Enterprise Gateway on Kubernetes) and the
# queue from REDIS_URL: an image has no embedded children.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--import", "tsx", "backend/src/main.ts"]
