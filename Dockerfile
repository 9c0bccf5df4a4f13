# The mock as a container (see mock/README.md, "Install"): built with the workspace's Rust,
# run from a small image holding the binary only (distroless: glibc and libgcc, no shell).
#   docker build -t csbs-mock .
#   docker run --rm -p 8080:8080 -v csbs-mock:/data csbs-mock --token secret:my-project --state /data/state.sqlite
FROM rust:1.88-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo install --locked --path mock --root /out && mkdir /out/data

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/bin/csbs-mock /usr/local/bin/csbs-mock
# Where --state keeps its file; owned by the image's unprivileged user (65532).
COPY --from=build --chown=65532:65532 /out/data /data
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/csbs-mock", "--listen", "0.0.0.0:8080"]
