#!/usr/bin/env bash
# WebSockets over HTTP/2: echo through Ws101's MapWs101 beside ASP.NET Core's UseWebSockets (the anchor), both on one
# Kestrel with TLS (ALPN h2), in a server process of its own; msg/s and server CPU per message at 20 B and 16 KiB, median
# of 3 interleaved rounds, as ratios; then server memory per idle WebSocket as HTTP/2 streams and as HTTP/1.1 connections.
# Arguments: [seconds per run (4)] [WebSockets in the echo (16)] [idle WebSockets (500)]
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/http2/Http2Echo -c Release -v q --nologo >/dev/null
exec dotnet bench/http2/Http2Echo/bin/Release/net10.0/Http2Echo.dll "$@"
