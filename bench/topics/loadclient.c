// bench/topics/loadclient.c - opens N WebSocket subscribers and one publisher on 127.0.0.1, publishes messages
// of SIZE bytes as fast as the subscribers take them (at most WINDOW messages ahead of the average subscriber),
// and counts the messages delivered to the subscribers in a fixed window after a warm-up. With SERVER_PID it also
// reads the servers' CPU time (utime + stime of each pid, comma-separated) over the same window.
//
//   loadclient PORT[,PORT...] PATH SUBSCRIBERS SIZE SECONDS [WINDOW] [SERVER_PIDS]
//
// With LOADCLIENT_EXTENSIONS set, every connection offers it (Sec-WebSocket-Extensions: permessage-deflate; ...): the
// frames then may come compressed (RSV1), and are counted all the same.
//
// Subscribers are spread over the ports round-robin; the publisher uses the first port. Prints one line:
//   delivered=N seconds=S rate=R published=P cpu_seconds=C
// Written for this project; every loop is bounded in time.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../common/proc_cpu.h"

typedef struct {
    int fd;
    unsigned char hdr[14];
    int hlen;
    uint64_t remaining;
    int in_payload;
    uint64_t count;
} conn_t;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int open_ws(int port, const char *path) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); exit(1); }
    char req[1024];
    const char *ext = getenv("LOADCLIENT_EXTENSIONS");
    char extline[512] = "";
    if (ext && *ext) snprintf(extline, sizeof extline, "Sec-WebSocket-Extensions: %s\r\n", ext);
    int n = snprintf(req, sizeof req,
        "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n%s\r\n", path, port, extline);
    if (write(fd, req, n) != n) { perror("write"); exit(1); }
    // Read the 101 byte by byte up to the blank line, so that no frame byte is swallowed.
    char resp[2048];
    int got = 0;
    while (got < (int)sizeof resp - 1) {
        if (read(fd, resp + got, 1) != 1) { fprintf(stderr, "handshake: no answer\n"); exit(1); }
        got++;
        if (got >= 4 && memcmp(resp + got - 4, "\r\n\r\n", 4) == 0) break;
    }
    resp[got] = 0;
    if (strncmp(resp, "HTTP/1.1 101", 12) != 0) { fprintf(stderr, "handshake refused: %.80s\n", resp); exit(1); }
    return fd;
}

static void parse(conn_t *c, const unsigned char *p, size_t n) {
    while (n) {
        if (c->in_payload) {
            size_t take = n < c->remaining ? n : (size_t)c->remaining;
            c->remaining -= take; p += take; n -= take;
            if (!c->remaining) { c->in_payload = 0; c->count++; }
            continue;
        }
        c->hdr[c->hlen++] = *p++; n--;
        if (c->hlen < 2) continue;
        int l7 = c->hdr[1] & 0x7f;
        int need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0);
        if (c->hlen < need) continue;
        uint64_t len = l7;
        if (l7 == 126) len = ((uint64_t)c->hdr[2] << 8) | c->hdr[3];
        else if (l7 == 127) { len = 0; for (int i = 2; i < 10; i++) len = (len << 8) | c->hdr[i]; }
        c->hlen = 0;
        if (len == 0) c->count++;
        else { c->remaining = len; c->in_payload = 1; }
    }
}

static double cpu_of(const char *pids) {
    if (!pids) return 0;
    double total = 0;
    char list[512];
    snprintf(list, sizeof list, "%s", pids);
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        unsigned long ut, st;
        if (proc_cpu_ticks(tok, &ut, &st) == 0) total += (double)(ut + st) / sysconf(_SC_CLK_TCK);
    }
    return total;
}

int main(int argc, char **argv) {
    if (argc < 6) { fprintf(stderr, "usage: loadclient PORT[,PORT...] PATH SUBSCRIBERS SIZE SECONDS [WINDOW] [SERVER_PIDS]\n"); return 2; }
    int ports[16], nports = 0;
    char portlist[256];
    snprintf(portlist, sizeof portlist, "%s", argv[1]);
    for (char *tok = strtok(portlist, ","); tok && nports < 16; tok = strtok(NULL, ",")) ports[nports++] = atoi(tok);
    const char *path = argv[2];
    int nsubs = atoi(argv[3]);
    int size = atoi(argv[4]);
    double seconds = atof(argv[5]);
    int window = argc > 6 ? atoi(argv[6]) : 32;
    const char *pids = argc > 7 ? argv[7] : NULL;
    if (nsubs < 1 || nsubs > 20000 || size < 0 || size > 65535 || seconds <= 0 || seconds > 600) { fprintf(stderr, "bad arguments\n"); return 2; }

    conn_t *subs = calloc(nsubs, sizeof *subs);
    int ep = epoll_create1(0);
    for (int i = 0; i < nsubs; i++) {
        subs[i].fd = open_ws(ports[i % nports], path);
        struct timeval tv = {0};
        setsockopt(subs[i].fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = &subs[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, subs[i].fd, &e);
    }
    int pub = open_ws(ports[0], path);
    // Let the servers register the last subscriptions (and, across nodes, their Redis subscriptions).
    usleep(500 * 1000);

    // One masked binary frame, built once (a client masks; the key is fixed, which the server accepts).
    int hl = size <= 125 ? 2 : 4;
    unsigned char *frame = malloc(hl + 4 + size);
    frame[0] = 0x82;
    if (size <= 125) frame[1] = 0x80 | size;
    else { frame[1] = 0x80 | 126; frame[2] = size >> 8; frame[3] = size & 0xff; }
    unsigned char key[4] = {0x12, 0x34, 0x56, 0x78};
    memcpy(frame + hl, key, 4);
    // The payload: the alphabet over and over; with LOADCLIENT_EXTENSIONS, JSON-like records with varying digits, which
    // deflate shrinks about as much as real feeds (a few times, not a hundred).
    unsigned char *payload = frame + hl + 4;
    if (getenv("LOADCLIENT_EXTENSIONS")) {
        unsigned int seed = 12345;
        int at = 0;
        while (at < size) {
            char rec[96];
            seed = seed * 1103515245u + 12345u;
            int r = snprintf(rec, sizeof rec, "{\"id\":%u,\"px\":%u.%02u,\"qty\":%u},", seed % 100000, (seed >> 8) % 5000, (seed >> 4) % 100, (seed >> 12) % 1000);
            for (int k = 0; k < r && at < size; k++) payload[at++] = (unsigned char)rec[k];
        }
    } else {
        for (int i = 0; i < size; i++) payload[i] = (unsigned char)('a' + i % 26);
    }
    for (int i = 0; i < size; i++) payload[i] ^= key[i % 4];
    int flen = hl + 4 + size;

    static unsigned char buf[256 * 1024];
    struct epoll_event events[256];
    uint64_t published = 0, delivered = 0, base = 0;
    double start = now_s(), measure_from = start + 1.0, end = measure_from + seconds;
    double cpu0 = 0, last_progress = start;
    int measuring = 0;
    while (1) {
        double t = now_s();
        if (!measuring && t >= measure_from) { measuring = 1; base = delivered; cpu0 = cpu_of(pids); }
        if (t >= end) break;
        // Publish while the average subscriber is less than WINDOW messages behind (or nothing moved for 200 ms: drops).
        int burst = 0;
        while (burst < 64 && (published * (uint64_t)nsubs < delivered + (uint64_t)window * nsubs || t - last_progress > 0.2)) {
            if (write(pub, frame, flen) != flen) { perror("publish"); return 1; }
            published++; burst++;
            last_progress = t;
        }
        int n = epoll_wait(ep, events, 256, 1);
        for (int i = 0; i < n; i++) {
            conn_t *c = events[i].data.ptr;
            for (int k = 0; k < 4; k++) {
                ssize_t r = recv(c->fd, buf, sizeof buf, MSG_DONTWAIT);
                if (r <= 0) {
                    if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) { epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL); }
                    break;
                }
                uint64_t before = c->count;
                parse(c, buf, r);
                delivered += c->count - before;
                if (c->count != before) last_progress = t;
                if (r < (ssize_t)sizeof buf) break;
            }
        }
    }
    double cpu1 = cpu_of(pids);
    uint64_t got = delivered - base;
    printf("delivered=%llu seconds=%.2f rate=%.0f published=%llu cpu_seconds=%.3f\n",
        (unsigned long long)got, seconds, got / seconds, (unsigned long long)published, pids ? cpu1 - cpu0 : 0.0);
    return 0;
}
