/*
 * tlsload.c - a wss:// (TLS 1.3) WebSocket load generator for bench/server/tls.sh: single-threaded, epoll, non-blocking
 * sockets, OpenSSL. It exists because `ws101 bench` (.NET, SslStream) used a whole core of its own to drive one server
 * over TLS, so the wss:// points measured the client; this one costs a fraction of the server's CPU per message.
 *
 *   tlsload echo -p PORT [-c CONNS] [-s SIZE] [-w WARMUP_S] [-d DURATION_S] [-P SERVER_PID] [-T TIMEOUT_S] [-q] [--plain]
 *   tlsload hs   -p PORT [-c CONNS] [-w WARMUP_S] [-d DURATION_S] [-P SERVER_PID] [-T TIMEOUT_S] [-q] [--plain]
 *
 * echo: CONNS connections, each upgraded once, each keeping one masked binary message of SIZE bytes in flight and
 *       checking the echo byte for byte (a mismatch closes that connection and counts as an error).
 * hs:   CONNS concurrent loops of connect, full TLS handshake (never a resumed session), upgrade, masked close frame
 *       1000, the server's close frame, close.
 * Every upgrade sends a fresh random Sec-WebSocket-Key and checks the 101's Sec-WebSocket-Accept (RFC 6455 §4.2.2);
 * a wrong or missing one is an error. Connect, handshake, upgrade and each echo must finish within TIMEOUT_S (default
 * 10), or the connection is closed and counted as an error: nothing waits forever.
 * The server's certificate is NOT verified (the bench's certificate is self-signed); the target is 127.0.0.1 only.
 * --plain speaks ws:// instead (no TLS), for a plain row with the same generator. WS_PATH (env) or -u sets the request
 * path (default /echo). -N NAP_US (default 50): when fewer than min(8, CONNS/4) connections were ready, the client waits
 * that long before polling again, so that it answers in batches instead of waking (and waking the server) per message.
 *
 * The last line is "RESULT key=value ...", with the keys of /work/shared/wsbench/wsbench.c (msgs_per_s, MiB_per_s,
 * p50_us, p99_us, hs_per_s, srv_usr, srv_sys, cli_cpu, other_cpu, errors), so summarize.py and ratios.py read it.
 * srv_usr/srv_sys: the server's CPU (cores) over the measured window from /proc/PID/stat; cli_cpu: ours (getrusage);
 * other_cpu: the rest of the machine (/proc/stat), a noise indicator.
 *
 * Build: gcc -O2 -o tlsload tlsload.c -lssl -lcrypto
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../common/proc_cpu.h"

enum { MODE_ECHO, MODE_HS };
/* A connection goes FREE -> CONNECTING -> TLS -> UPGRADING -> OPEN (echo) or CLOSING (hs: close frame sent) -> FREE. */
enum { ST_FREE, ST_CONNECTING, ST_TLS, ST_UPGRADING, ST_OPEN, ST_CLOSING };

#define MAX_SIZE (16 * 1024 * 1024)
#define MAX_CONNS 10000
#define HEAD_MAX 4096

typedef struct {
    int fd, state;
    SSL *ssl;
    uint32_t events;        /* what epoll watches now */
    const uint8_t *wbuf;    /* the pending write: a message, the upgrade request or the close frame */
    size_t wlen, woff;
    char head[HEAD_MAX];    /* the 101 response head as it arrives */
    size_t head_len;
    char accept[32];        /* the Sec-WebSocket-Accept the server must answer */
    char request[512];
    uint8_t hdr[14];        /* the server frame header being collected */
    int hdr_len, hdr_need, in_payload, opcode, msg_opcode, fin; /* opcode: this frame's, continuations take the message's */
    uint64_t remaining, msg_off;
    uint64_t t_sent, deadline; /* ns, CLOCK_MONOTONIC */
} conn_t;

static int mode = MODE_ECHO, nconns = 100, size = 20, warmup = 3, duration = 10, quiet = 0, plain = 0, timeout_s = 10, nap_us = 50;
static int port = 0, srv_pid = 0;
static const char *path = "/echo";
static struct sockaddr_in target;
static SSL_CTX *ctx;
static int ep;
static conn_t *conns;
static uint8_t *payload, *frame;
static size_t frame_len;
/* RFC 6455 §5.5.1: a close frame from the client is masked; the body is the status code 1000, masked with 1,2,3,4. */
static const uint8_t close_frame[8] = {0x88, 0x82, 1, 2, 3, 4, 0x03 ^ 1, 0xE8 ^ 2};
static uint64_t msgs, bytes, hs_done;
static long errors, open_now, pending_open, opened;
static uint64_t hist[64 * 8];
static uint8_t rbuf[1 << 18];
static volatile sig_atomic_t stopping;

static void usage(const char *why) {
    if (why) fprintf(stderr, "tlsload: %s\n", why);
    fprintf(stderr,
            "usage: tlsload echo -p PORT [-c CONNS(100)] [-s SIZE(20)] [-w WARMUP_S(3)] [-d DURATION_S(10)] [-P SERVER_PID]\n"
            "                    [-T TIMEOUT_S(10)] [-N NAP_US(50)] [-u PATH] [-H 127.0.0.1] [-q] [--plain]\n"
            "       tlsload hs   -p PORT [-c CONNS(100)] [-w WARMUP_S(3)] [-d DURATION_S(10)] [-P SERVER_PID] [-T TIMEOUT_S(10)]\n"
            "                    [-N NAP_US(50)] [-u PATH] [-H 127.0.0.1] [-q] [--plain]\n"
            "wss:// load on 127.0.0.1 only (TLS 1.3; the server's certificate is NOT verified: the bench's is self-signed).\n"
            "--plain: ws:// without TLS. WS_PATH (env) or -u: request path (default /echo). SIZE 0..%d, CONNS 1..%d.\n"
            "-N: when fewer than min(8, CONNS/4) connections were ready, wait NAP_US before the next epoll_wait (0: never).\n"
            "Last line: RESULT key=value ... (wsbench's keys).\n",
            MAX_SIZE, MAX_CONNS);
    exit(2);
}

/* A whole decimal integer in [lo, hi], or a usage error naming the flag. */
static int int_arg(const char *flag, const char *s, long lo, long hi) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi) {
        char why[160];
        snprintf(why, sizeof why, "%s wants a whole number from %ld to %ld, not '%s'", flag, lo, hi, s);
        usage(why);
    }
    return (int)v;
}

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

/* Latency in µs into a log-linear histogram: exact below 8, then 8 buckets per power of two (12.5% wide). */
static void hist_add(uint64_t us) {
    if (us < 8) { hist[us]++; return; }
    int p = 63 - __builtin_clzll(us);
    int i = (p - 2) * 8 + (int)((us >> (p - 3)) & 7);
    hist[i < 64 * 8 ? i : 64 * 8 - 1]++;
}
static double hist_quantile(double q) {
    uint64_t total = 0, seen = 0;
    for (int i = 0; i < 64 * 8; i++) total += hist[i];
    if (!total) return 0;
    uint64_t rank = (uint64_t)(q * (double)total);
    for (int i = 0; i < 64 * 8; i++) {
        seen += hist[i];
        if (seen > rank) {
            if (i < 8) return i;
            int p = i / 8 + 2;
            return (double)((1ull << p) + ((uint64_t)(i % 8) << (p - 3)));
        }
    }
    return 0;
}

/* utime and stime (clock ticks) of the server (-P), 0 without one (bench/common/proc_cpu.h). */
static void server_ticks(long *user, long *sys) {
    unsigned long u = 0, k = 0;
    char pid[16];
    snprintf(pid, sizeof pid, "%d", srv_pid);
    if (srv_pid) proc_cpu_ticks(pid, &u, &k);
    *user = (long)u;
    *sys = (long)k;
}
/* Busy time of the whole machine (s, all cores): user nice system irq softirq steal of /proc/stat's first line. */
static double machine_busy_s(void) {
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8) return 0;
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (double)sysconf(_SC_CLK_TCK);
}
static double own_cpu_s(void) {
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) + (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

static void watch(conn_t *c, uint32_t events) {
    if (c->events == events) return;
    struct epoll_event ev = {.events = events, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->events = events;
}

static void conn_close(conn_t *c, int failed, const char *why) {
    if (failed) {
        if (errors < 5) {
            unsigned long e = ERR_peek_error();
            char detail[256] = "";
            if (e) ERR_error_string_n(e, detail, sizeof detail);
            fprintf(stderr, "tlsload: connection %ld: %s%s%s\n", (long)(c - conns), why, e ? ": " : "", detail);
        }
        errors++;
        ERR_clear_error();
    }
    if (c->state >= ST_CONNECTING && c->state <= ST_UPGRADING) pending_open--;
    if (c->state >= ST_OPEN) open_now--;
    if (c->ssl) {
        /* A close_notify when the connection ended as it should (hs); SSL_free never blocks. */
        if (!failed) SSL_shutdown(c->ssl);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    if (c->fd >= 0) close(c->fd); /* close() drops it from the epoll set too */
    c->fd = -1;
    c->state = ST_FREE;
}

/* Writes or reads through TLS or the plain socket. Returns bytes (> 0), 0 when it would block (epoll then watches what
 * it waits for), -1 on an error or the peer's end of stream. */
static long io_write(conn_t *c, const uint8_t *b, size_t n) {
    if (plain) {
        for (;;) {
            ssize_t r = send(c->fd, b, n, MSG_NOSIGNAL);
            if (r >= 0) return (long)r;
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) { watch(c, EPOLLIN | EPOLLOUT); return 0; }
            return -1;
        }
    }
    size_t done = 0;
    if (SSL_write_ex(c->ssl, b, n, &done) == 1) return (long)done;
    switch (SSL_get_error(c->ssl, 0)) {
    case SSL_ERROR_WANT_WRITE: watch(c, EPOLLIN | EPOLLOUT); return 0;
    case SSL_ERROR_WANT_READ: return 0; /* a post-handshake message must be read first; EPOLLIN is always watched */
    default: return -1;
    }
}
static long io_read(conn_t *c, uint8_t *b, size_t n) {
    if (plain) {
        for (;;) {
            ssize_t r = recv(c->fd, b, n, 0);
            if (r > 0) return (long)r;
            if (r == 0) return -1;
            if (errno == EINTR) continue;
            return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
        }
    }
    size_t got = 0;
    if (SSL_read_ex(c->ssl, b, n, &got) == 1) return (long)got;
    switch (SSL_get_error(c->ssl, 0)) {
    case SSL_ERROR_WANT_READ: return 0;
    case SSL_ERROR_WANT_WRITE: watch(c, EPOLLIN | EPOLLOUT); return 0;
    default: return -1;
    }
}

/* Sends what is left of the pending write. Returns -1 on error, 0 while some is left, 1 when all is sent. */
static int flush(conn_t *c) {
    while (c->woff < c->wlen) {
        long n = io_write(c, c->wbuf + c->woff, c->wlen - c->woff);
        if (n < 0) return -1;
        if (n == 0) return 0;
        c->woff += (size_t)n;
    }
    c->wbuf = NULL;
    watch(c, EPOLLIN);
    return 1;
}
static int send_buf(conn_t *c, const uint8_t *b, size_t n) {
    c->wbuf = b; c->wlen = n; c->woff = 0;
    return flush(c) < 0 ? -1 : 0;
}

static int send_message(conn_t *c) {
    c->t_sent = now_ns();
    c->deadline = c->t_sent + (uint64_t)timeout_s * 1000000000ull;
    c->msg_off = 0;
    return send_buf(c, frame, frame_len);
}

/* RFC 6455 §4.1: the key is a random 16-byte value, base64-encoded; the server's accept must be
 * base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")). */
static void start_upgrade(conn_t *c) {
    unsigned char nonce[16], digest[20];
    char key[32], joined[64];
    RAND_bytes(nonce, sizeof nonce);
    EVP_EncodeBlock((unsigned char *)key, nonce, sizeof nonce);
    int jn = snprintf(joined, sizeof joined, "%s258EAFA5-E914-47DA-95CA-C5AB0DC85B11", key);
    unsigned int dn = 0;
    EVP_Digest(joined, (size_t)jn, digest, &dn, EVP_sha1(), NULL);
    EVP_EncodeBlock((unsigned char *)c->accept, digest, (int)dn);
    int n = snprintf(c->request, sizeof c->request,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", path, port, key);
    c->state = ST_UPGRADING;
    c->head_len = 0;
    if (send_buf(c, (const uint8_t *)c->request, (size_t)n) < 0) conn_close(c, 1, "sending the upgrade request failed");
}

/* The 101's head (NUL-terminated, without the blank line): a 101 status and exactly the expected accept value. */
static const char *check_101(conn_t *c) {
    if (strncmp(c->head, "HTTP/1.1 101", 12) != 0) return "the upgrade was not answered with 101";
    for (char *line = strstr(c->head, "\r\n"); line; line = strstr(line, "\r\n")) {
        line += 2;
        if (strncasecmp(line, "Sec-WebSocket-Accept:", 21) != 0) continue;
        char *v = line + 21, *end = strstr(v, "\r\n");
        if (!end) end = v + strlen(v);
        while (v < end && (*v == ' ' || *v == '\t')) v++;
        while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
        size_t want = strlen(c->accept);
        return (size_t)(end - v) == want && memcmp(v, c->accept, want) == 0 ? NULL : "wrong Sec-WebSocket-Accept in the 101";
    }
    return "no Sec-WebSocket-Accept in the 101";
}

static void on_open(conn_t *c) {
    pending_open--;
    open_now++;
    opened++;
    c->hdr_len = 0; c->in_payload = 0; c->opcode = 0; c->msg_opcode = 0;
    if (mode == MODE_ECHO) {
        c->state = ST_OPEN;
        if (send_message(c) < 0) conn_close(c, 1, "sending a message failed");
    } else {
        c->state = ST_CLOSING;
        c->deadline = now_ns() + (uint64_t)timeout_s * 1000000000ull;
        if (send_buf(c, close_frame, sizeof close_frame) < 0) conn_close(c, 1, "sending the close frame failed");
    }
}

/* One frame finished. Returns -1 (close, error), 1 (close, done), 0 (go on). */
static int frame_done(conn_t *c) {
    if (c->opcode == 0x8) {
        if (c->state == ST_CLOSING) { hs_done++; return 1; }
        return -1;
    }
    if (c->opcode >= 0x9 || !c->fin) return 0; /* pings and pongs are not expected from an echo server; ignored */
    if (c->msg_off != (uint64_t)size || mode != MODE_ECHO) return -1;
    uint64_t t = now_ns();
    msgs++;
    bytes += (uint64_t)size;
    hist_add((t - c->t_sent) / 1000);
    return send_message(c) < 0 ? -1 : 0;
}

/* Server frames (RFC 6455 §5.2) in D; the data payload is compared with what was sent. Returns as frame_done. */
static int on_frames(conn_t *c, const uint8_t *d, size_t n) {
    while (n > 0) {
        if (!c->in_payload) {
            c->hdr[c->hdr_len++] = *d++;
            n--;
            if (c->hdr_len == 2) {
                int l7 = c->hdr[1] & 0x7f;
                /* RFC 6455 §5.1: "A server MUST NOT mask any frames that it sends to the client." */
                if (c->hdr[1] & 0x80) return -1;
                c->hdr_need = 2 + (l7 == 126 ? 2 : l7 == 127 ? 8 : 0);
            }
            if (c->hdr_len < 2 || c->hdr_len < c->hdr_need) continue;
            int l7 = c->hdr[1] & 0x7f, op = c->hdr[0] & 0x0f;
            uint64_t len = (uint64_t)l7;
            if (l7 == 126) len = (uint64_t)c->hdr[2] << 8 | c->hdr[3];
            if (l7 == 127) { len = 0; for (int i = 2; i < 10; i++) len = len << 8 | c->hdr[i]; }
            if (op == 0x1 || op == 0x2) c->msg_opcode = op;
            c->opcode = op == 0 ? c->msg_opcode : op; /* RFC 6455 §5.4: continuation frames (0) carry on the message */
            c->fin = c->hdr[0] >> 7;
            c->remaining = len;
            c->hdr_len = 0;
            c->in_payload = 1;
        }
        size_t take = c->remaining < n ? (size_t)c->remaining : n;
        if (c->opcode < 0x8 && take) {
            if (c->msg_off + take > (uint64_t)size || memcmp(payload + c->msg_off, d, take) != 0) return -1;
            c->msg_off += take;
        }
        d += take; n -= take; c->remaining -= take;
        if (c->remaining) continue;
        c->in_payload = 0;
        int r = frame_done(c);
        if (r) return r;
    }
    return 0;
}

/* Reads what the connection has: the 101 head, then frames. */
static void on_readable(conn_t *c) {
    for (;;) {
        long n = io_read(c, rbuf, sizeof rbuf);
        if (n == 0) return;
        if (n < 0) { conn_close(c, 1, c->state == ST_UPGRADING ? "no 101: the connection ended" : "the connection ended"); return; }
        const uint8_t *d = rbuf;
        size_t len = (size_t)n;
        if (c->state == ST_UPGRADING) {
            size_t room = HEAD_MAX - 1 - c->head_len, cp = len < room ? len : room;
            memcpy(c->head + c->head_len, d, cp);
            size_t before = c->head_len;
            c->head_len += cp;
            c->head[c->head_len] = 0;
            char *end = strstr(c->head, "\r\n\r\n");
            if (!end) {
                if (c->head_len >= HEAD_MAX - 1) { conn_close(c, 1, "the 101's head is too long"); return; }
                continue;
            }
            *end = 0;
            const char *bad = check_101(c);
            if (bad) { conn_close(c, 1, bad); return; }
            size_t used = (size_t)(end + 4 - c->head) - before;
            d += used; len -= used;
            on_open(c);
            if (c->state == ST_FREE) return;
        }
        if (len) {
            int r = on_frames(c, d, len);
            if (r < 0) { conn_close(c, 1, "unexpected frame or echo mismatch"); return; }
            if (r > 0) { conn_close(c, 0, NULL); return; }
        }
        /* More may wait in OpenSSL's buffer (read-ahead) that epoll cannot see; the kernel's rest wakes us again. */
        if (plain ? (size_t)n < sizeof rbuf : !SSL_has_pending(c->ssl)) return;
    }
}

static void handshake(conn_t *c) {
    int r = SSL_do_handshake(c->ssl);
    if (r == 1) { watch(c, EPOLLIN); start_upgrade(c); return; }
    switch (SSL_get_error(c->ssl, r)) {
    case SSL_ERROR_WANT_READ: watch(c, EPOLLIN); return;
    case SSL_ERROR_WANT_WRITE: watch(c, EPOLLIN | EPOLLOUT); return;
    default: conn_close(c, 1, "TLS handshake failed");
    }
}

static void on_connected(conn_t *c) {
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err) { conn_close(c, 1, strerror(err)); return; }
    if (plain) { watch(c, EPOLLIN); start_upgrade(c); return; }
    c->ssl = SSL_new(ctx);
    if (!c->ssl || SSL_set_fd(c->ssl, c->fd) != 1) { conn_close(c, 1, "SSL_new failed"); return; }
    SSL_set_connect_state(c->ssl);
    c->state = ST_TLS;
    handshake(c);
}

static void start_connect(conn_t *c) {
    memset(c, 0, sizeof *c);
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    c->state = ST_CONNECTING;
    c->deadline = now_ns() + (uint64_t)timeout_s * 1000000000ull;
    pending_open++;
    if (c->fd < 0) { conn_close(c, 1, "socket() failed"); return; }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    c->events = EPOLLIN | EPOLLOUT;
    struct epoll_event ev = {.events = c->events, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
    if (connect(c->fd, (struct sockaddr *)&target, sizeof target) < 0 && errno != EINPROGRESS) conn_close(c, 1, strerror(errno));
}

static void on_event(conn_t *c, uint32_t e) {
    if (c->state == ST_CONNECTING) {
        if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected(c);
        return;
    }
    if (c->state == ST_TLS) { handshake(c); return; }
    if (c->wbuf && flush(c) < 0) { conn_close(c, 1, "write failed"); return; }
    on_readable(c);
}

/* Anything waiting past its deadline (connect, TLS, upgrade, an echo, the server's close) is an error. */
static void expire(uint64_t t) {
    for (int i = 0; i < nconns; i++)
        if (conns[i].state != ST_FREE && t > conns[i].deadline) conn_close(&conns[i], 1, "timed out");
}

static void on_signal(int s) { (void)s; stopping = 1; }

int main(int argc, char **argv) {
    if (argc < 2) usage(NULL);
    if (!strcmp(argv[1], "echo")) mode = MODE_ECHO;
    else if (!strcmp(argv[1], "hs")) mode = MODE_HS;
    else if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) usage(NULL);
    else usage("the mode is echo or hs");
    if (getenv("WS_PATH") && *getenv("WS_PATH")) path = getenv("WS_PATH");
    static const struct option longs[] = {{"plain", no_argument, NULL, 'L'}, {"help", no_argument, NULL, 'h'}, {0, 0, 0, 0}};
    optind = 2;
    opterr = 0;
    for (int o; (o = getopt_long(argc, argv, ":p:c:s:w:d:P:T:N:u:H:qh", longs, NULL)) != -1;) {
        switch (o) {
        case 'p': port = int_arg("-p", optarg, 1, 65535); break;
        case 'c': nconns = int_arg("-c", optarg, 1, MAX_CONNS); break;
        case 's': size = int_arg("-s", optarg, 0, MAX_SIZE); break;
        case 'w': warmup = int_arg("-w", optarg, 0, 3600); break;
        case 'd': duration = int_arg("-d", optarg, 1, 3600); break;
        case 'P': srv_pid = int_arg("-P", optarg, 1, 1 << 30); break;
        case 'T': timeout_s = int_arg("-T", optarg, 1, 600); break;
        case 'N': nap_us = int_arg("-N", optarg, 0, 10000); break;
        case 'u': path = optarg; break;
        case 'H': if (strcmp(optarg, "127.0.0.1")) usage("only 127.0.0.1 is a target (-H)"); break;
        case 'q': quiet = 1; break;
        case 'L': plain = 1; break;
        case 'h': usage(NULL); break;
        case ':': { char why[64]; snprintf(why, sizeof why, "-%c needs a value", optopt); usage(why); } break;
        default: { char why[80]; snprintf(why, sizeof why, "unknown option %s", argv[optind - 1]); usage(why); }
        }
    }
    if (optind < argc) usage("unexpected argument (the target is always 127.0.0.1: give -p PORT)");
    if (!port) usage("-p PORT is required");
    if (path[0] != '/' || strlen(path) > 300 || strpbrk(path, " \r\n")) usage("the path must start with / and hold no spaces or line breaks");
    if (srv_pid) {
        char proc[64];
        snprintf(proc, sizeof proc, "/proc/%d/stat", srv_pid);
        if (access(proc, R_OK) != 0) { fprintf(stderr, "tlsload: no process %d (-P)\n", srv_pid); return 2; }
    }

    signal(SIGPIPE, SIG_IGN);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    setvbuf(stdout, NULL, _IOLBF, 0);
    target.sin_family = AF_INET;
    target.sin_port = htons((uint16_t)port);
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if (!plain) {
        ctx = SSL_CTX_new(TLS_client_method());
        if (!ctx || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) || !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION)) {
            fprintf(stderr, "tlsload: cannot make a TLS 1.3 client context\n");
            return 1;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        /* No session is ever stored or offered: every handshake is a full one, for every server alike. */
        SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
        SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        /* Read-ahead: one recv takes whatever the kernel holds, not one record header then its body. */
        SSL_CTX_set_read_ahead(ctx, 1);
    }

    /* The message: a fixed pattern, masked once with a fixed key (RFC 6455 §5.3; the key's secrecy guards proxies,
     * there are none on loopback). */
    payload = malloc((size_t)size + 1);
    size_t hl = size <= 125 ? 2 : size <= 65535 ? 4 : 10;
    frame_len = hl + 4 + (size_t)size;
    frame = malloc(frame_len);
    conns = calloc((size_t)nconns, sizeof *conns);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (!payload || !frame || !conns || ep < 0) { fprintf(stderr, "tlsload: out of memory\n"); return 1; }
    for (int i = 0; i < size; i++) payload[i] = (uint8_t)((i * 131 + 7) & 0xff);
    frame[0] = 0x82;
    if (hl == 2) frame[1] = (uint8_t)(0x80 | size);
    else if (hl == 4) { frame[1] = 0x80 | 126; frame[2] = (uint8_t)(size >> 8); frame[3] = (uint8_t)size; }
    else { frame[1] = 0x80 | 127; for (int i = 0; i < 8; i++) frame[2 + i] = (uint8_t)((uint64_t)size >> (56 - 8 * i)); }
    static const uint8_t mask[4] = {0x5a, 0x13, 0xc4, 0x7e};
    memcpy(frame + hl, mask, 4);
    for (int i = 0; i < size; i++) frame[hl + 4 + i] = payload[i] ^ mask[i & 3];
    for (int i = 0; i < nconns; i++) conns[i].fd = -1;

    /* Phases: 0 opening (echo), 1 warm-up, 2 measured, 3 done. hs skips opening: its slots reconnect all the time. */
    int phase = mode == MODE_HS ? 1 : 0, next = 0;
    uint64_t t0 = now_ns(), t_phase = t0, t_print = t0 + 1000000000ull, t_expire = t0;
    uint64_t msgs0 = 0, bytes0 = 0, hs0 = 0, last = 0;
    long ut0 = 0, st0 = 0;
    double cpu0 = 0, busy0 = 0;
    struct epoll_event evs[256];
    int last_ready = 0, nap_below = nconns / 4 < 8 ? nconns / 4 : 8;
    while (!stopping && phase != 3) {
        /* Echo opens its connections at most 256 at a time; hs restarts every slot that finished or failed. */
        if (mode == MODE_ECHO)
            while (next < nconns && pending_open < 256) start_connect(&conns[next++]);
        else
            for (int i = 0; i < nconns; i++)
                if (conns[i].state == ST_FREE) start_connect(&conns[i]);
        /* Fewer ready connections than a batch: wait NAP_US before asking again, so that answers go out in batches.
         * Without it the client, faster than the server, takes each echo alone: the server's every write wakes it (a
         * sleep and a wake-up per message on both sides, paid in the server's CPU too), and runs fall into that
         * ping-pong or out of it at random (perf stat: 1 epoll_wait and 1 context switch per message when in it). */
        if (nap_us && last_ready < nap_below) {
            struct timespec nap = {0, (long)nap_us * 1000};
            nanosleep(&nap, NULL);
        }
        int n = epoll_wait(ep, evs, 256, 20);
        last_ready = n;
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (c->state != ST_FREE) on_event(c, evs[i].events);
        }
        uint64_t t = now_ns();
        if (t - t_expire >= 100000000ull) { expire(t); t_expire = t; }
        if (phase == 0 && next == nconns && pending_open == 0) {
            if (!quiet) printf("opened %ld/%d connections in %.2f s (errors %ld)\n", opened, nconns, (double)(t - t0) / 1e9, errors);
            phase = 1;
            t_phase = t;
        }
        if (phase == 1 && t - t_phase >= (uint64_t)warmup * 1000000000ull) {
            phase = 2;
            t_phase = t;
            msgs0 = msgs; bytes0 = bytes; hs0 = hs_done;
            memset(hist, 0, sizeof hist);
            server_ticks(&ut0, &st0);
            cpu0 = own_cpu_s();
            busy0 = machine_busy_s();
        }
        if (phase == 2 && t - t_phase >= (uint64_t)duration * 1000000000ull) phase = 3;
        /* Echo with every connection gone has nothing left to measure. */
        if (mode == MODE_ECHO && phase >= 1 && open_now == 0 && pending_open == 0) break;
        if (t >= t_print) {
            uint64_t done = mode == MODE_ECHO ? msgs : hs_done;
            if (!quiet) printf("%s %s/s %llu open %ld errors %ld\n", phase == 2 ? "meas" : "warm", mode == MODE_ECHO ? "msgs" : "hs", (unsigned long long)(done - last), open_now, errors);
            last = done;
            t_print += 1000000000ull;
        }
    }
    uint64_t t1 = now_ns();
    double secs = phase >= 2 ? (double)(t1 - t_phase) / 1e9 : 0;
    long ut1, st1;
    server_ticks(&ut1, &st1);
    double hz = (double)sysconf(_SC_CLK_TCK);
    double su = secs > 0 ? (double)(ut1 - ut0) / hz / secs : 0, ss = secs > 0 ? (double)(st1 - st0) / hz / secs : 0;
    double cli = secs > 0 ? (own_cpu_s() - cpu0) / secs : 0;
    double other = secs > 0 ? (machine_busy_s() - busy0) / secs - su - ss - cli : 0;
    if (other < 0) other = 0;
    if (mode == MODE_ECHO)
        printf("RESULT mode=echo tls=%d conns=%d size=%d open=%ld msgs_per_s=%.0f MiB_per_s=%.1f p50_us=%.0f p99_us=%.0f srv_usr=%.2f srv_sys=%.2f cli_cpu=%.2f other_cpu=%.2f errors=%ld secs=%.1f msgs_total=%llu\n",
               !plain, nconns, size, open_now, secs > 0 ? (double)(msgs - msgs0) / secs : 0, secs > 0 ? (double)(bytes - bytes0) / secs / 1048576.0 : 0,
               hist_quantile(0.5), hist_quantile(0.99), su, ss, cli, other, errors, secs, (unsigned long long)msgs);
    else
        printf("RESULT mode=hs tls=%d conns=%d hs_per_s=%.0f srv_usr=%.2f srv_sys=%.2f cli_cpu=%.2f other_cpu=%.2f errors=%ld secs=%.1f hs_total=%llu\n",
               !plain, nconns, secs > 0 ? (double)(hs_done - hs0) / secs : 0, su, ss, cli, other, errors, secs, (unsigned long long)hs_done);
    return 0;
}
