// bench/server/floor.c - the machine's floor for the server bench: the least a WebSocket echo server can cost per
// message and per handshake on this kernel, written as plainly as C allows. One thread, level-triggered epoll, accept4
// until EAGAIN, one recv and one send (two iovecs: header and payload) per message, the request head parsed where it
// was read, the 101 from a template with only the accept value filled in, and nothing held per idle connection but a
// 32-byte struct. bench/server/run.sh runs it beside the servers as "floor": ws101's ratio to it is what is left to win.
//
// It is not a server to use. It echoes each data frame as it comes (a fragmented message goes back as the same
// fragments), answers a ping with a pong and a close with a close, and closes on a protocol error (unmasked frame,
// reserved bits, a frame over 16 MiB, a control frame over 125 bytes). It does not validate UTF-8, negotiate
// extensions or subprotocols, check the method, path, version or origin, or time anything out: each of those costs a
// real server something, which this floor leaves out on purpose.
//
//   floor PORT            listens on 127.0.0.1:PORT (loopback only; 0: any free port) until killed; prints
//                         "floor: listening on 127.0.0.1:N" once it does
//
// Build: gcc -O2 -Wall -Wextra -o floor floor.c -lcrypto (Debian: gcc, libssl-dev).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_HEAD 8192
#define MAX_FRAME (16u << 20)
#define SCRATCH (256u << 10)

// What a connection keeps between reads: bytes of an unfinished head or frame, and bytes the kernel did not take yet.
// Both are NULL while the connection is idle.
typedef struct {
    int fd;
    uint8_t open;     // 0 until the 101 went out
    uint8_t closing;  // a close frame went out: drop the connection once the rest is sent
    uint8_t *in;      // unfinished head or frame (in_len bytes of in_cap)
    uint32_t in_len, in_cap;
    uint8_t *out;     // unsent bytes (out_len of them, from out_off)
    uint32_t out_len, out_off;
} conn_t;

static int epfd;
static uint8_t scratch[SCRATCH];

static void drop(conn_t *c) {
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c->out);
    free(c);
}

static void watch_out(conn_t *c, int on) {
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

// Sends a then b in one sendmsg; what the kernel does not take is kept and sent when the socket is writable (reads stop
// meanwhile: a client that does not read gets no more echoes). Returns -1 when the connection failed.
static int send2(conn_t *c, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
    if (c->out_len) {
        // Already waiting: keep order by queueing behind.
        uint8_t *grown = realloc(c->out, c->out_off + c->out_len + alen + blen);
        if (!grown) return -1;
        c->out = grown;
        memcpy(c->out + c->out_off + c->out_len, a, alen);
        memcpy(c->out + c->out_off + c->out_len + alen, b, blen);
        c->out_len += (uint32_t)(alen + blen);
        return 0;
    }
    struct iovec iov[2] = {{(void *)a, alen}, {(void *)b, blen}};
    struct msghdr m = {.msg_iov = iov, .msg_iovlen = blen ? 2 : 1};
    ssize_t n = sendmsg(c->fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR) return -1;
        n = 0;
    }
    size_t total = alen + blen;
    if ((size_t)n == total) return 0;
    size_t left = total - (size_t)n;
    c->out = malloc(left);
    if (!c->out) return -1;
    c->out_off = 0;
    c->out_len = (uint32_t)left;
    if ((size_t)n < alen) {
        memcpy(c->out, a + n, alen - (size_t)n);
        memcpy(c->out + alen - (size_t)n, b, blen);
    } else {
        memcpy(c->out, b + ((size_t)n - alen), left);
    }
    watch_out(c, 1);
    return 0;
}

static int flush(conn_t *c) {
    while (c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_off, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
        c->out_off += (uint32_t)n;
        c->out_len -= (uint32_t)n;
    }
    free(c->out);
    c->out = NULL;
    c->out_off = 0;
    watch_out(c, 0);
    return c->closing ? -1 : 0;
}

#define RESPONSE_HEAD "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
static const char RESPONSE[] = RESPONSE_HEAD "............................\r\n\r\n";

// Answers a complete request head: the 101 with the accept value (RFC 6455 4.2.2: base64 of SHA-1 of the key and the
// GUID). Returns -1 when the head has no key.
static int upgrade(conn_t *c, const uint8_t *head, size_t len) {
    const char *key = NULL;
    size_t key_len = 0;
    for (const uint8_t *line = head; line < head + len;) {
        const uint8_t *end = memchr(line, '\n', (size_t)(head + len - line));
        if (!end) break;
        static const char name[] = "sec-websocket-key:";
        if ((size_t)(end - line) > sizeof name - 1 && strncasecmp((const char *)line, name, sizeof name - 1) == 0) {
            const uint8_t *v = line + sizeof name - 1, *e = end;
            while (v < e && (*v == ' ' || *v == '\t')) v++;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
            key = (const char *)v;
            key_len = (size_t)(e - v);
        }
        line = end + 1;
    }
    if (!key || key_len == 0 || key_len > 64) return -1;
    uint8_t joined[64 + 36], digest[SHA_DIGEST_LENGTH];
    memcpy(joined, key, key_len);
    memcpy(joined + key_len, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", 36);
    SHA1(joined, key_len + 36, digest);
    char response[sizeof RESPONSE];
    memcpy(response, RESPONSE, sizeof RESPONSE);
    char accept[32];
    EVP_EncodeBlock((unsigned char *)accept, digest, SHA_DIGEST_LENGTH);
    memcpy(response + sizeof RESPONSE_HEAD - 1, accept, 28);
    c->open = 1;
    return send2(c, (const uint8_t *)response, sizeof RESPONSE - 1, NULL, 0);
}

static void unmask(uint8_t *p, size_t n, const uint8_t key[4]) {
    uint32_t k32;
    memcpy(&k32, key, 4);
    uint64_t k64 = ((uint64_t)k32 << 32) | k32;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        v ^= k64;
        memcpy(p + i, &v, 8);
    }
    for (; i < n; i++) p[i] ^= key[i & 3];
}

// Handles every whole frame in buf; returns the bytes consumed, or -1 to drop the connection. *need is set to the length
// of the unfinished frame at the end (0 when not yet known).
static long frames(conn_t *c, uint8_t *buf, size_t len, size_t *need) {
    size_t at = 0;
    *need = 0;
    while (len - at >= 2 && !c->closing && !c->out_len) {
        uint8_t *f = buf + at;
        uint8_t op = f[0] & 0x0F;
        if ((f[0] & 0x70) || !(f[1] & 0x80)) return -1;  // reserved bits, or an unmasked client frame
        uint64_t plen = f[1] & 0x7F;
        size_t hlen = 2;
        if (plen == 126) {
            if (len - at < 4) return (long)at;
            plen = ((uint64_t)f[2] << 8) | f[3];
            hlen = 4;
        } else if (plen == 127) {
            if (len - at < 10) return (long)at;
            plen = 0;
            for (int i = 0; i < 8; i++) plen = (plen << 8) | f[2 + i];
            hlen = 10;
        }
        if (plen > MAX_FRAME || ((op & 0x8) && (plen > 125 || !(f[0] & 0x80)))) return -1;
        size_t whole = hlen + 4 + (size_t)plen;
        if (len - at < whole) {
            *need = whole;
            return (long)at;
        }
        uint8_t *payload = f + hlen + 4;
        unmask(payload, (size_t)plen, f + hlen);
        uint8_t header[10];
        size_t h = 2;
        header[0] = f[0];
        if (plen < 126) {
            header[1] = (uint8_t)plen;
        } else if (plen < 65536) {
            header[1] = 126;
            header[2] = (uint8_t)(plen >> 8);
            header[3] = (uint8_t)plen;
            h = 4;
        } else {
            header[1] = 127;
            for (int i = 0; i < 8; i++) header[2 + i] = (uint8_t)(plen >> (56 - 8 * i));
            h = 10;
        }
        if (op == 0x9) {
            header[0] = 0x8A;  // ping: pong with the same payload
        } else if (op == 0xA) {
            at += whole;
            continue;  // pong: nothing to do
        } else if (op == 0x8) {
            c->closing = 1;  // close: echo its code (and reason), then drop once sent
            plen = plen >= 2 ? 2 : 0;
            header[1] = (uint8_t)plen;
        } else if (op != 0x0 && op != 0x1 && op != 0x2) {
            return -1;
        }
        if (send2(c, header, h, payload, (size_t)plen) < 0) return -1;
        at += whole;
    }
    return (long)at;
}

// Keeps the unconsumed tail of buf in the connection's own buffer, sized for the frame in progress (or the head limit),
// so that the rest of a big frame is read straight into it.
static int keep(conn_t *c, const uint8_t *tail, size_t n, size_t need) {
    size_t cap = c->open ? 16 : MAX_HEAD;
    if (cap < need) cap = need;
    if (cap < n) cap = n;  // frames stopped early (a send is waiting): keep all that was read
    if (n == 0) {
        free(c->in);
        c->in = NULL;
        c->in_len = c->in_cap = 0;
        return 0;
    }
    if (c->in_cap < cap || c->in == NULL) {
        uint8_t *grown = malloc(cap);
        if (!grown) return -1;
        memmove(grown, tail, n);
        free(c->in);
        c->in = grown;
        c->in_cap = (uint32_t)cap;
    } else if (c->in != tail) {
        memmove(c->in, tail, n);
    }
    c->in_len = (uint32_t)n;
    return 0;
}

static int process(conn_t *c, uint8_t *buf, size_t len);

static int on_readable(conn_t *c) {
    uint8_t *buf;
    size_t len;
    if (c->in) {
        // An unfinished head or frame: read the rest into its own buffer (grown when a longer frame header arrived).
        if (c->in_len == c->in_cap) {
            if (!c->open) return -1;  // a head longer than MAX_HEAD
            uint32_t cap = c->in_cap * 2 > MAX_FRAME + 14 ? MAX_FRAME + 14 : c->in_cap * 2;
            if (cap <= c->in_cap) return -1;
            uint8_t *grown = realloc(c->in, cap);
            if (!grown) return -1;
            c->in = grown;
            c->in_cap = cap;
        }
        ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
        if (n <= 0) return (n < 0 && (errno == EAGAIN || errno == EINTR)) ? 0 : -1;
        c->in_len += (uint32_t)n;
        buf = c->in;
        len = c->in_len;
    } else {
        ssize_t n = recv(c->fd, scratch, sizeof scratch, MSG_DONTWAIT);
        if (n <= 0) return (n < 0 && (errno == EAGAIN || errno == EINTR)) ? 0 : -1;
        buf = scratch;
        len = (size_t)n;
    }
    return process(c, buf, len);
}

// Answers what buf holds (a head, then frames) and keeps the unfinished rest.
static int process(conn_t *c, uint8_t *buf, size_t len) {
    size_t at = 0;
    if (!c->open) {
        uint8_t *end = memmem(buf, len, "\r\n\r\n", 4);
        if (!end) {
            if (len >= MAX_HEAD) return -1;
            return keep(c, buf, len, MAX_HEAD);
        }
        at = (size_t)(end + 4 - buf);
        if (at > MAX_HEAD || upgrade(c, buf, at) < 0) return -1;
    }
    size_t need;
    long used = frames(c, buf + at, len - at, &need);
    if (used < 0) return -1;
    at += (size_t)used;
    if (c->closing && !c->out_len) return -1;
    return keep(c, buf + at, len - at, need);
}

int main(int argc, char **argv) {
    char *end = NULL;
    long port = argc == 2 ? strtol(argv[1], &end, 10) : -1;
    if (argc != 2 || *argv[1] == '\0' || *end != '\0' || port < 0 || port > 65535) {
        fprintf(stderr, "usage: floor PORT   (listens on 127.0.0.1:PORT; 0 for any free port)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    // glibc maps every block over 128 KiB afresh and unmaps it on free: a 1 MiB echo would then pay page faults for two
    // fresh megabytes per message (4.4 ms per message in the first run, 13x ws101's). Keep big blocks in the heap for
    // reuse, as a server's buffer pool would.
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    int one = 1;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // copied to accepted sockets
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sa_len = sizeof sa;
    if (bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 4096) < 0 || getsockname(lfd, (struct sockaddr *)&sa, &sa_len) < 0) {
        perror("floor: bind/listen");
        return 1;
    }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event lev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &lev);
    printf("floor: listening on 127.0.0.1:%d\n", ntohs(sa.sin_port));
    fflush(stdout);
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(epfd, events, 256, -1);
        if (n < 0 && errno != EINTR) {
            perror("floor: epoll_wait");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            conn_t *c = events[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
                    conn_t *nc = calloc(1, sizeof *nc);
                    if (!nc) {
                        close(fd);
                        continue;
                    }
                    nc->fd = fd;
                    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = nc};
                    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                        close(fd);
                        free(nc);
                    }
                }
                continue;
            }
            int r = 0;
            if (events[i].events & EPOLLOUT) {
                r = flush(c);
                // Frames read while the send waited: answer them now (level-triggered epoll only reports new bytes).
                if (r == 0 && !c->out_len && c->in_len && c->open) r = process(c, c->in, c->in_len);
            }
            if (r == 0 && !c->out_len && (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) r = on_readable(c);
            if (r < 0) drop(c);
        }
    }
}
