// bench/reliability/wsload.c - the WebSocket clients of the reliability scripts (connections.sh, hostile.sh, soak.sh):
// one thread, one epoll loop, many sockets, every step bounded in time. Written for this project.
//
//   wsload MODE -p PORT [-u PATH] [-c N] [-C INFLIGHT] [-S FIRST:COUNT] [-d SECONDS] [-s SIZE] [-n CYCLES] [-i MS] [-r RATE]
//
// Modes (each prints "TICK ..." lines while it runs and one "RESULT ..." line at the end):
//   hold    opens -c upgraded connections and holds them, answering the server's pings. SIGUSR1 pings every one and
//           counts the pongs ("PINGED ..."); SIGUSR2 closes every one with 1000, waits for the server's close frame and
//           its FIN ("CLOSED ...") and exits. Prints "OPENED ..." once every connection is open or has failed.
//   echo    -c connections in a closed loop: a masked message of -s bytes, wait for the whole echo, the next; with
//           -r RATE each connection sends at most RATE messages a second (paced, one in flight). "TICK <unix ms>
//           msgs=<this second>" every second for -d seconds, then a close with 1000 on each. SIGUSR1 ends a measuring
//           window: "WINDOW n=<k> msgs=<echoes> seconds=<s> rate=<echoes/s> p50_ms= p99_ms= max_ms=" since the last one.
//   slow    slowloris: keeps -c connections each sending the upgrade request one byte every -i ms (1000), and opens a
//           new one whenever the server cuts one; counts cuts, the time each connection lived, and 503s.
//           (slow, bad, noread, cycle: -r RATE bounds the new connections opened per second.)
//   bad     a flood of malformed upgrade requests from -c concurrent loops (connect, send, read the answer to EOF,
//           close), at most -r RATE new connections a second when given; counts answers by status.
//   noread  keeps -c connections that upgrade, then send -s byte messages as fast as the socket takes them and never
//           read; counts how long the server takes to cut each, and opens a new one for every one cut.
//   cycle   -n connect / upgrade / echo one message / close 1000 cycles from -c concurrent loops; "TICK" every 10 s.
//
// -S FIRST:COUNT binds each connection to a source address 127.0.0.FIRST .. 127.0.0.(FIRST+COUNT-1) in turn, so that
// more connections than one address has ephemeral ports can be opened. Everything goes to 127.0.0.1 only.
// Build: gcc -O2 -Wall -o wsload wsload.c
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

enum mode { M_HOLD, M_ECHO, M_SLOW, M_BAD, M_NOREAD, M_CYCLE };
enum state { S_FREE, S_CONNECTING, S_UPGRADING, S_OPEN, S_CLOSING, S_ANSWER };

typedef struct {
    int fd;
    uint8_t state;
    uint8_t want_out;
    uint8_t head_end;     // matched bytes of "\r\n\r\n"
    uint8_t status_len;
    char status[13];      // "HTTP/1.1 101"
    uint8_t hdr[10];
    uint8_t hlen, hneed;
    uint8_t opcode, fin, in_payload, ctl_len;
    uint8_t ctl[125];
    uint64_t remaining;
    uint64_t msg_bytes;
    uint8_t *wpend;       // bytes the socket did not take yet (malloc'd only then)
    uint32_t wlen, woff;
    uint32_t sent_bytes;  // slow: bytes of the request sent so far
    uint32_t kind;        // bad: which malformed request
    uint64_t t_start;     // ns: connect started
    uint64_t t_next;      // ns: slow: next byte due; paced echo: next message due
    uint64_t t_sent;      // ns: echo: when the message in flight was sent
    uint8_t due;          // paced echo: waiting for t_next to send
    uint8_t pinged, ponged, closed_by_us, got_close;
    uint16_t close_code;
} conn_t;

static int mode = M_HOLD, port = 0, nconns = 100, inflight_max = 256, src_first = 0, src_count = 0, duration = 10, size = 20, interval_ms = 1000;
static double rate = 0;
static long started;
static long cycles_goal = 0;
static const char *path = "/echo";
static int ep;
static conn_t *conns;
static struct sockaddr_in dst;
static unsigned long src_rr;
static char upgrade[512];
static int upgrade_len;
static uint8_t *message;
static size_t message_len;
static uint8_t big_header[24 * 1024];
static uint8_t rbuf[65536];

static long inflight, open_now, opened, failed, lost, conn_errors;
static long status_count[600];
static long msgs, msgs_tick, cycles, cycles_tick;
static long cut, cut_eof, cut_rst, refused503, answered_early;
static double life_sum, life_max;
static long life_n;
static long pings_sent, pongs, closes_sent, close_frames, code1000, eofs;
static volatile sig_atomic_t sig_ping, sig_close, sig_stop;

// Echo latency, microseconds, in a log-linear histogram (8 steps per power of two), since the last window.
static long lat[64 * 8];
static long window_msgs, windows;
static void lat_add(uint64_t us) {
    int idx = (int)us;
    if (us >= 8) {
        int p = 63 - __builtin_clzll(us);
        idx = (p - 2) * 8 + (int)((us >> (p - 3)) & 7);
    }
    if (idx >= 64 * 8) idx = 64 * 8 - 1;
    lat[idx]++;
}
static double lat_ms(double q) {
    long total = 0, acc = 0;
    for (int i = 0; i < 64 * 8; i++) total += lat[i];
    if (!total) return 0;
    for (int i = 0; i < 64 * 8; i++) {
        acc += lat[i];
        if ((double)acc >= q * (double)total) {
            if (i < 8) return i / 1000.0;
            int p = i / 8 + 2, sub = i % 8;
            return (double)((1ull << p) + ((uint64_t)(sub + 1) << (p - 3))) / 1000.0;   // the bucket's upper edge
        }
    }
    return 0;
}

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
static long long unix_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void on_usr1(int s) { (void)s; sig_ping = 1; }
static void on_usr2(int s) { (void)s; sig_close = 1; }
static void on_term(int s) { (void)s; sig_stop = 1; }

static void ep_set(conn_t *c, int out) {
    uint32_t events = (mode == M_NOREAD && c->state == S_OPEN ? 0 : EPOLLIN) | EPOLLRDHUP | (out ? EPOLLOUT : 0);
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->want_out = (uint8_t)out;
}

static void note_life(conn_t *c) {
    double life = (double)(now_ns() - c->t_start) / 1e9;
    life_sum += life;
    life_n++;
    if (life > life_max) life_max = life;
}

static void conn_free(conn_t *c) {
    if (c->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    if (c->state == S_CONNECTING || c->state == S_UPGRADING || c->state == S_ANSWER) inflight--;
    if (c->state == S_OPEN || c->state == S_CLOSING) open_now--;
    free(c->wpend);
    memset(c, 0, sizeof *c);
    c->fd = -1;
}

// Sends what it can; keeps the rest for EPOLLOUT. Returns -1 when the connection failed.
static int conn_send(conn_t *c, const uint8_t *data, size_t len) {
    if (c->wpend) {
        uint8_t *grown = realloc(c->wpend, c->wlen + len);
        if (!grown) return -1;
        memcpy(grown + c->wlen, data, len);
        c->wpend = grown;
        c->wlen += (uint32_t)len;
        return 0;
    }
    while (len > 0) {
        ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
        if (n > 0) { data += n; len -= (size_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            c->wpend = malloc(len);
            if (!c->wpend) return -1;
            memcpy(c->wpend, data, len);
            c->wlen = (uint32_t)len;
            c->woff = 0;
            ep_set(c, 1);
            return 0;
        }
        return -1;
    }
    return 0;
}

static int conn_flush(conn_t *c) {
    while (c->wpend && c->woff < c->wlen) {
        ssize_t n = send(c->fd, c->wpend + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
        if (n > 0) { c->woff += (uint32_t)n; continue; }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return 0;
        return -1;
    }
    free(c->wpend);
    c->wpend = NULL;
    c->wlen = c->woff = 0;
    if (c->want_out) ep_set(c, 0);
    return 0;
}

// A masked frame from the client (RFC 6455 §5.3: every client frame is masked).
static size_t frame(uint8_t *out, int opcode, const uint8_t *payload, size_t n) {
    static const uint8_t mask[4] = {0x5a, 0x13, 0xc7, 0x2e};
    size_t h = 0;
    out[h++] = (uint8_t)(0x80 | opcode);
    if (n <= 125) out[h++] = (uint8_t)(0x80 | n);
    else if (n <= 65535) { out[h++] = 0x80 | 126; out[h++] = (uint8_t)(n >> 8); out[h++] = (uint8_t)n; }
    else { out[h++] = 0x80 | 127; for (int i = 7; i >= 0; i--) out[h++] = (uint8_t)((uint64_t)n >> (8 * i)); }
    memcpy(out + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < n; i++) out[h + i] = payload[i] ^ mask[i & 3];
    return h + n;
}

static int send_control(conn_t *c, int opcode, const uint8_t *payload, size_t n) {
    uint8_t f[6 + 125];
    return conn_send(c, f, frame(f, opcode, payload, n));
}

static int send_close(conn_t *c, int code) {
    uint8_t p[2] = {(uint8_t)(code >> 8), (uint8_t)code};
    c->closed_by_us = 1;
    c->state = S_CLOSING;
    closes_sent++;
    return send_control(c, 8, p, 2);
}

// The malformed requests of "bad": each refused a different way (400, 404, 426, 431, or a bad request line).
static const char *bad_request(uint32_t kind, size_t *len) {
    static char buf[1024];
    int n = 0;
    switch (kind % 7) {
    case 0: { static const char hello[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 a TLS hello\r\n\r\n"; // TLS on a ws:// port
        *len = sizeof hello - 1; return hello; }
    case 1: n = snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n", path); break;
    case 2: n = snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n", path); break;
    case 3: n = snprintf(buf, sizeof buf, "GET /no-such-endpoint HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"); break;
    case 4: n = snprintf(buf, sizeof buf, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path); break;
    case 5: n = snprintf(buf, sizeof buf, "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 5\r\n\r\nhello", path); break;
    default: *len = sizeof big_header; return (const char *)big_header; // one header line of 24 KiB: over the head limit
    }
    *len = (size_t)n;
    return buf;
}

static void start_connect(conn_t *c) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { conn_errors++; failed++; return; }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (src_count > 0) {
        struct sockaddr_in src = {.sin_family = AF_INET};
        src.sin_addr.s_addr = htonl((127u << 24) | (uint32_t)(src_first + (int)(src_rr++ % (unsigned long)src_count)));
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) { close(fd); conn_errors++; failed++; return; }
    }
    memset(c, 0, sizeof *c);
    c->fd = fd;
    c->state = S_CONNECTING;
    c->t_start = now_ns();
    inflight++;
    int r = connect(fd, (struct sockaddr *)&dst, sizeof dst);
    if (r < 0 && errno != EINPROGRESS) { c->state = S_CONNECTING; conn_free(c); conn_errors++; failed++; return; }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
    c->want_out = 1;
}

static int send_message(conn_t *c) {
    c->msg_bytes = 0;
    c->t_sent = now_ns();
    c->due = 0;
    return conn_send(c, message, message_len);
}

// Paced echo: the next message is due one period after the last one was due (not after its echo), so a slow echo
// is caught up on at once instead of lowering the rate asked for.
static int next_message(conn_t *c) {
    if (rate <= 0) return send_message(c);
    uint64_t period = (uint64_t)(1e9 / rate), t = now_ns();
    c->t_next += period;
    if (c->t_next + 10 * period < t) c->t_next = t;   // after a long stall, do not burst to catch up on all of it
    if (c->t_next <= t) return send_message(c);
    c->due = 1;
    return 0;
}

// The connection ended on the server's side (EOF, reset, or an error): counts it by mode and frees it.
static void ended(conn_t *c, int reset) {
    if (c->state == S_OPEN && (mode == M_HOLD || mode == M_ECHO)) lost++;
    if (c->state == S_CLOSING) eofs++;
    if (mode == M_SLOW || mode == M_NOREAD) {
        if (c->state == S_UPGRADING || c->state == S_OPEN) {
            cut++;
            if (reset) cut_rst++; else cut_eof++;
            note_life(c);
        }
    }
    if (c->state == S_UPGRADING && mode != M_SLOW && mode != M_NOREAD) failed++;
    conn_free(c);
}

// A whole control frame or the end of a data message arrived.
static int on_frame(conn_t *c) {
    if (c->opcode == 9) return send_control(c, 10, c->ctl, c->ctl_len);            // ping: pong with its payload
    if (c->opcode == 10) {                                                          // pong: ours if it carries our id
        if (c->pinged && !c->ponged && c->ctl_len == 4) { c->ponged = 1; pongs++; }
        return 0;
    }
    if (c->opcode == 8) {
        c->got_close = 1;
        close_frames++;
        c->close_code = c->ctl_len >= 2 ? (uint16_t)((c->ctl[0] << 8) | c->ctl[1]) : 1005;
        if (c->close_code == 1000) code1000++;
        if (!c->closed_by_us) {                                                     // the server closed first: answer it
            c->closed_by_us = 1;
            uint8_t p[2] = {c->ctl[0], c->ctl[1]};
            c->state = S_CLOSING;
            return send_control(c, 8, p, c->ctl_len >= 2 ? 2 : 0);
        }
        return 0;
    }
    // the end of a data message: an echo
    if (mode == M_ECHO) {
        msgs++;
        msgs_tick++;
        window_msgs++;
        lat_add((now_ns() - c->t_sent) / 1000);
        return next_message(c);
    }
    if (mode == M_CYCLE) return send_close(c, 1000);
    return 0;
}

static int parse_frames(conn_t *c, const uint8_t *d, size_t n) {
    while (n > 0) {
        if (!c->in_payload) {
            if (c->hlen == 0) c->hneed = 2;
            while (c->hlen < c->hneed && n > 0) { c->hdr[c->hlen++] = *d++; n--; }
            if (c->hlen < c->hneed) return 0;
            if (c->hlen == 2) {
                int len7 = c->hdr[1] & 0x7f;
                if (c->hdr[1] & 0x80) return -1;                                    // servers never mask
                if (len7 == 126 && c->hneed == 2) { c->hneed = 4; continue; }
                if (len7 == 127 && c->hneed == 2) { c->hneed = 10; continue; }
            }
            int len7 = c->hdr[1] & 0x7f;
            uint64_t len = len7;
            if (len7 == 126) len = ((uint64_t)c->hdr[2] << 8) | c->hdr[3];
            else if (len7 == 127) { len = 0; for (int i = 2; i < 10; i++) len = (len << 8) | c->hdr[i]; }
            int op = c->hdr[0] & 0x0f;
            c->fin = (c->hdr[0] & 0x80) != 0;
            if (op != 0) c->opcode = (uint8_t)op;
            if (op >= 8) { if (len > 125) return -1; c->ctl_len = 0; }
            c->remaining = len;
            c->in_payload = 1;
            c->hlen = 0;
        }
        size_t take = c->remaining < n ? (size_t)c->remaining : n;
        if (c->opcode >= 8) { memcpy(c->ctl + c->ctl_len, d, take); c->ctl_len = (uint8_t)(c->ctl_len + take); }
        else c->msg_bytes += take;
        d += take;
        n -= take;
        c->remaining -= take;
        if (c->remaining == 0) {
            c->in_payload = 0;
            int op = c->hdr[0] & 0x0f;
            if ((op >= 8 || c->fin) && on_frame(c) < 0) return -1;
            if (c->fd < 0) return 0;
        }
    }
    return 0;
}

// Bytes of the answer to the upgrade: the status line, then the end of the head.
static int parse_head(conn_t *c, const uint8_t *d, size_t n, size_t *used) {
    static const char end[4] = {'\r', '\n', '\r', '\n'};
    size_t i = 0;
    for (; i < n; i++) {
        if (c->status_len < 12) c->status[c->status_len++] = (char)d[i];
        if (d[i] == (uint8_t)end[c->head_end]) c->head_end++;
        else c->head_end = d[i] == '\r' ? 1 : 0;
        if (c->head_end == 4) { i++; *used = i; return 1; }
    }
    *used = i;
    return 0;
}

static int status_code(conn_t *c) {
    if (c->status_len < 12 || strncmp(c->status, "HTTP/1.1 ", 9) != 0) return 0;
    return atoi(c->status + 9);
}

static void on_open(conn_t *c) {
    inflight--;
    c->state = S_OPEN;
    open_now++;
    opened++;
    if (mode == M_ECHO && rate > 0) {                                                // paced: spread the first sends over a period
        c->t_next = now_ns() + (uint64_t)((double)(c - conns) / nconns * 1e9 / rate);
        c->due = 1;
    } else if (mode == M_ECHO && send_message(c) < 0) { ended(c, 1); return; }
    if (mode == M_CYCLE && send_message(c) < 0) { ended(c, 1); return; }
    if (mode == M_NOREAD) ep_set(c, 1);
}

static void on_readable(conn_t *c) {
    while (c->fd >= 0) {
        ssize_t n = recv(c->fd, rbuf, sizeof rbuf, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        if (n <= 0) {
            if (c->state == S_ANSWER || (mode == M_BAD && c->state == S_UPGRADING)) {
                status_count[status_code(c) < 600 ? status_code(c) : 0]++;
                c->state = S_ANSWER;
                cycles++;
                cycles_tick++;
                conn_free(c);
                return;
            }
            if (mode == M_CYCLE && c->state == S_CLOSING && c->got_close) { cycles++; cycles_tick++; }
            else if (mode == M_CYCLE) conn_errors++;
            ended(c, n < 0);
            return;
        }
        const uint8_t *d = rbuf;
        size_t left = (size_t)n;
        if (c->state == S_UPGRADING || c->state == S_ANSWER) {
            size_t used;
            int done = parse_head(c, d, left, &used);
            if (mode == M_BAD) { c->state = S_ANSWER; continue; }                     // read the answer to the server's EOF
            if (!done) {
                if (mode == M_SLOW && c->status_len >= 12) {                            // answered while still sending
                    int st = status_code(c);
                    if (st == 503) refused503++; else answered_early++;
                    status_count[st < 600 ? st : 0]++;
                    conn_free(c);
                    return;
                }
                continue;
            }
            int st = status_code(c);
            if (st != 101) {
                status_count[st < 600 ? st : 0]++;
                if (mode == M_SLOW) { if (st == 503) refused503++; else answered_early++; }
                else failed++;
                conn_free(c);
                return;
            }
            status_count[101]++;
            on_open(c);
            if (c->fd < 0) return;
            d += used;
            left -= used;
            if (mode == M_NOREAD) return;                                               // never read again
        }
        if (left > 0 && parse_frames(c, d, left) < 0) { conn_errors++; ended(c, 1); return; }
    }
}

static void on_writable(conn_t *c) {
    if (c->state == S_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err) { conn_errors++; failed++; conn_free(c); return; }
        c->state = S_UPGRADING;
        ep_set(c, 0);
        if (mode == M_SLOW) { c->t_next = now_ns(); return; }
        size_t len2 = (size_t)upgrade_len;
        const uint8_t *req = (const uint8_t *)upgrade;
        if (mode == M_BAD) req = (const uint8_t *)bad_request(c->kind = (uint32_t)(cycles + inflight), &len2);
        if (conn_send(c, req, len2) < 0) ended(c, 1);
        return;
    }
    if (conn_flush(c) < 0) { ended(c, 1); return; }
    if (mode == M_NOREAD && c->state == S_OPEN && !c->wpend) {
        // Keep the socket full: the server echoes, and its sends stall once this side's receive buffer is full.
        while (c->fd >= 0 && !c->wpend) if (conn_send(c, message, message_len) < 0) { ended(c, 1); return; }
    }
}

static void tick_slow(uint64_t t) {
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (c->state != S_UPGRADING || t < c->t_next || c->sent_bytes >= (uint32_t)upgrade_len) continue;
        c->t_next = t + (uint64_t)interval_ms * 1000000ull;
        if (conn_send(c, (const uint8_t *)upgrade + c->sent_bytes, 1) < 0) { ended(c, 1); continue; }
        c->sent_bytes++;
    }
}

static void usage(void) {
    fprintf(stderr, "usage: wsload hold|echo|slow|bad|noread|cycle -p PORT [-u PATH] [-c N] [-C INFLIGHT] [-S FIRST:COUNT] [-d SECONDS] [-s SIZE] [-n CYCLES] [-i MS] [-r RATE]\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (argc < 2) usage();
    const char *m = argv[1];
    if (!strcmp(m, "hold")) mode = M_HOLD;
    else if (!strcmp(m, "echo")) mode = M_ECHO;
    else if (!strcmp(m, "slow")) mode = M_SLOW;
    else if (!strcmp(m, "bad")) mode = M_BAD;
    else if (!strcmp(m, "noread")) mode = M_NOREAD;
    else if (!strcmp(m, "cycle")) mode = M_CYCLE;
    else usage();
    optind = 2;
    int opt;
    while ((opt = getopt(argc, argv, "p:u:c:C:S:d:s:n:i:r:")) != -1) {
        switch (opt) {
        case 'p': port = atoi(optarg); break;
        case 'u': path = optarg; break;
        case 'c': nconns = atoi(optarg); break;
        case 'C': inflight_max = atoi(optarg); break;
        case 'S': if (sscanf(optarg, "%d:%d", &src_first, &src_count) != 2 || src_first < 1 || src_count < 1 || src_first + src_count > 255) usage(); break;
        case 'd': duration = atoi(optarg); break;
        case 's': size = atoi(optarg); break;
        case 'n': cycles_goal = atol(optarg); break;
        case 'i': interval_ms = atoi(optarg); break;
        case 'r': rate = atof(optarg); break;
        default: usage();
        }
    }
    if (port <= 0 || nconns <= 0 || size < 0 || duration <= 0) usage();
    signal(SIGPIPE, SIG_IGN);
    signal(SIGUSR1, on_usr1);
    signal(SIGUSR2, on_usr2);
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    setvbuf(stdout, NULL, _IOLBF, 0);

    dst.sin_family = AF_INET;
    dst.sin_port = htons((uint16_t)port);
    dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    upgrade_len = snprintf(upgrade, sizeof upgrade,
                           "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                           "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", path, port);
    memset(big_header, 'a', sizeof big_header);
    memcpy(big_header, "GET / HTTP/1.1\r\nX-Long: ", 24);
    memcpy(big_header + sizeof big_header - 4, "\r\n\r\n", 4);
    uint8_t *payload = malloc((size_t)size + 1);
    for (int i = 0; i < size; i++) payload[i] = (uint8_t)('a' + i % 26);
    message = malloc((size_t)size + 14);
    message_len = frame(message, 2, payload, (size_t)size);

    ep = epoll_create1(EPOLL_CLOEXEC);
    conns = calloc((size_t)nconns, sizeof(conn_t));
    for (int i = 0; i < nconns; i++) conns[i].fd = -1;

    uint64_t t0 = now_ns(), t_end = t0 + (uint64_t)duration * 1000000000ull, next_tick = t0 + 1000000000ull;
    uint64_t tick_ns = mode == M_CYCLE ? 10000000000ull : 1000000000ull;
    if (mode == M_CYCLE) next_tick = t0 + tick_ns;
    int next_to_open = 0, all_opened = 0, pinging = 0, closing = 0;
    uint64_t t_ping = 0, t_close = 0;
    struct epoll_event evs[1024];
    int keep_open = mode == M_SLOW || mode == M_NOREAD || mode == M_BAD || mode == M_CYCLE;

    while (!sig_stop) {
        uint64_t t = now_ns();
        // Open (or, for the modes that keep a number going, re-open) connections, bounded in flight.
        if (!closing) {
            if (!keep_open) {
                while (next_to_open < nconns && inflight < inflight_max) start_connect(&conns[next_to_open++]);
            } else if (t < t_end && (mode != M_CYCLE || cycles_goal == 0 || cycles + inflight + open_now < cycles_goal)) {
                for (int i = 0; i < nconns && inflight < inflight_max; i++) {
                    if (conns[i].fd >= 0) continue;
                    if (mode != M_ECHO && rate > 0 && (double)started >= rate * (double)(t - t0) / 1e9) break;
                    started++;
                    if (mode == M_CYCLE && cycles_goal > 0 && cycles + inflight + open_now >= cycles_goal) break;
                    start_connect(&conns[i]);
                }
            }
        }
        int n = epoll_wait(ep, evs, 1024, mode == M_SLOW || rate > 0 ? (mode == M_ECHO ? 2 : 20) : 100);
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (c->fd < 0) continue;
            uint32_t e = evs[i].events;
            if (mode == M_NOREAD && c->state == S_OPEN && (e & (EPOLLERR | EPOLLHUP | EPOLLRDHUP))) { ended(c, (e & EPOLLERR) != 0); continue; }
            if (e & EPOLLOUT) on_writable(c);
            if (c->fd < 0) continue;
            if (e & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) on_readable(c);
        }
        t = now_ns();
        if (mode == M_SLOW) tick_slow(t);
        if (mode == M_ECHO && rate > 0 && !closing)
            for (int i = 0; i < nconns; i++)
                if (conns[i].due && conns[i].state == S_OPEN && conns[i].t_next <= t && send_message(&conns[i]) < 0) ended(&conns[i], 1);
        if (mode == M_ECHO && sig_ping) {                                              // the end of a measuring window
            static uint64_t t_window;
            sig_ping = 0;
            double secs = (double)(t - (t_window ? t_window : t0)) / 1e9;
            printf("WINDOW n=%ld msgs=%ld seconds=%.2f rate=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f open=%ld lost=%ld\n", ++windows, window_msgs, secs,
                   secs > 0 ? (double)window_msgs / secs : 0, lat_ms(0.5), lat_ms(0.99), lat_ms(1.0), open_now, lost);
            window_msgs = 0;
            memset(lat, 0, sizeof lat);
            t_window = t;
        }
        if (!keep_open && !all_opened && next_to_open >= nconns && inflight == 0) {
            all_opened = 1;
            printf("OPENED open=%ld failed=%ld errors=%ld seconds=%.2f\n", open_now, failed, conn_errors, (double)(t - t0) / 1e9);
            if (mode == M_ECHO) t_end = t + (uint64_t)duration * 1000000000ull;
        }
        if (mode == M_HOLD && all_opened && sig_ping && !pinging) {
            sig_ping = 0;
            pinging = 1;
            t_ping = t;
            pongs = pings_sent = 0;
            for (int i = 0; i < nconns; i++) {
                conn_t *c = &conns[i];
                c->pinged = c->ponged = 0;
                if (c->fd < 0 || c->state != S_OPEN) continue;
                uint8_t id[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
                c->pinged = 1;
                pings_sent++;
                if (send_control(c, 9, id, 4) < 0) ended(c, 1);
            }
        }
        if (pinging && (pongs >= pings_sent || t - t_ping > 60000000000ull)) {
            pinging = 0;
            printf("PINGED sent=%ld answered=%ld open=%ld lost=%ld seconds=%.2f\n", pings_sent, pongs, open_now, lost, (double)(t - t_ping) / 1e9);
        }
        int want_close = (mode == M_HOLD && all_opened && sig_close && !pinging) || (mode == M_ECHO && all_opened && (t >= t_end || sig_close));
        if (want_close && !closing) {
            closing = 1;
            t_close = t;
            for (int i = 0; i < nconns; i++) {
                conn_t *c = &conns[i];
                if (c->fd >= 0 && c->state == S_OPEN && send_close(c, 1000) < 0) ended(c, 1);
            }
        }
        if (closing && (open_now == 0 || t - t_close > 60000000000ull)) {
            printf("CLOSED sent=%ld close_frames=%ld code1000=%ld eof=%ld still_open=%ld seconds=%.2f\n",
                   closes_sent, close_frames, code1000, eofs, open_now, (double)(t - t_close) / 1e9);
            break;
        }
        if (keep_open && t >= t_end && (mode != M_CYCLE || inflight + open_now == 0 || t - t_end > 30000000000ull)) break;
        if (mode == M_CYCLE && cycles_goal > 0 && cycles >= cycles_goal && inflight + open_now == 0) break;
        if (t >= next_tick) {
            double secs = (double)tick_ns / 1e9;
            if (mode == M_ECHO) printf("TICK %lld msgs=%ld open=%ld lost=%ld\n", unix_ms(), msgs_tick, open_now, lost);
            else if (mode == M_CYCLE) printf("TICK %lld cycles=%ld rate=%.0f errors=%ld open=%ld\n", unix_ms(), cycles, (double)cycles_tick / secs, conn_errors, open_now + inflight);
            else if (mode == M_BAD) printf("TICK %lld answered=%ld\n", unix_ms(), cycles_tick);
            else if (mode == M_SLOW || mode == M_NOREAD) printf("TICK %lld open=%ld handshaking=%ld cut=%ld refused503=%ld\n", unix_ms(), open_now, inflight, cut, refused503);
            msgs_tick = cycles_tick = 0;
            next_tick += tick_ns;
        }
    }

    double el = (double)(now_ns() - t0) / 1e9;
    printf("RESULT mode=%s conns=%d opened=%ld failed=%ld errors=%ld lost=%ld seconds=%.1f", m, nconns, opened, failed, conn_errors, lost, el);
    if (mode == M_ECHO) printf(" msgs=%ld", msgs);
    if (mode == M_CYCLE || mode == M_BAD) printf(" cycles=%ld rate=%.0f", cycles, cycles / el);
    if (mode == M_SLOW || mode == M_NOREAD)
        printf(" cut=%ld cut_eof=%ld cut_rst=%ld life_avg=%.1f life_max=%.1f refused503=%ld answered=%ld still_open=%ld handshaking=%ld",
               cut, cut_eof, cut_rst, life_n ? life_sum / (double)life_n : 0, life_max, refused503, answered_early, open_now, inflight);
    printf(" statuses=");
    int first = 1;
    for (int s = 0; s < 600; s++)
        if (status_count[s]) { printf("%s%d:%ld", first ? "" : ",", s, status_count[s]); first = 0; }
    printf("\n");
    return 0;
}
