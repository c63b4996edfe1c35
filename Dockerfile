# The Stream Mode connector (`dingtalk-callback stream`) as a small image: docs/stream-mode.md.
# Build: docker build -t dingtalk-callback-stream .
# Run:   docker run --rm -e DINGTALK_APP_KEY=… -e DINGTALK_APP_SECRET=… -e EVENTS_TABLE=… -e AWS_REGION=… dingtalk-callback-stream

FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY lib ./lib
COPY cli ./cli
COPY local-dev ./local-dev
COPY container ./container
COPY tsconfig.json ./
RUN npx esbuild container/stream.ts --bundle --minify --platform=node --target=node22 --format=cjs \
      --main-fields=module,main --legal-comments=none --outfile=/out/stream.js

FROM node:22-bookworm-slim
ENV NODE_ENV=production AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true \
    DINGTALK_STREAM_HEALTH_FILE=/tmp/dingtalk-stream-health.json
WORKDIR /app
COPY --from=build /out/stream.js ./stream.js
USER node
# SIGTERM (docker stop, ECS, SAE) finishes in-flight writes and closes the connection.
STOPSIGNAL SIGTERM
# Healthy: connected, and a frame (pings, events) or the connection under 4 minutes old (a quiet one is replaced after 3).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "/app/stream.js", "--health", "--max-age", "240"]
ENTRYPOINT ["node", "/app/stream.js"]
