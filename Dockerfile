# egress-lint container: the GitHub App by default, the CLI when given arguments.
#   docker build -t egress-lint .
#   docker run -e APP_ID=... -e PRIVATE_KEY="$(cat key.pem)" -e WEBHOOK_SECRET=... -p 3000:3000 egress-lint
#   docker run --rm -v "$PWD:/work" -w /work egress-lint lint .
# The build steps are scripts/build-image.sh, which CI runs and tests without Docker (.ci/run).

FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN bash scripts/build-image.sh /src /app

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    LOG_FORMAT=json
COPY --from=build --chown=root:root /app /app
# The image's own `node` user (uid 1000): the process cannot write to its code.
USER node
WORKDIR /work
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/ping').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["/app/entrypoint.sh"]
