# voice-gateway: one replica per container. Not built in this repository's CI (no container engine
# there); kept small and conventional. Build: docker build -t voice-gateway .
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY agents ./agents
COPY states ./states
COPY public ./public
COPY src ./src
COPY tsconfig.json ./
RUN mkdir -p /app/data && chown node:node /app/data
USER node
ENV HOST=0.0.0.0 PORT=3000 DATA_DIR=/app/data
EXPOSE 3000
# SIGTERM drains (no new sessions, /readyz 503, live calls go on up to DRAIN_TIMEOUT_S).
STOPSIGNAL SIGTERM
CMD ["node", "--import", "tsx", "src/main.ts"]
