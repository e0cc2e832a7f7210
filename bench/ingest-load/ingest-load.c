// ingest-load: HTTP load generator for nazard's ingest endpoints, run as a second process
// on loopback. Keep-alive HTTP/1.1 connections, one thread each, bodies of `--batch`
// points generated up front (64 per thread, each with its own timestamps, so storage
// does not see the same points over and over for a short run).
//
//   ingest-load --port 8428 --key KEY --format json|lp [--batch 1000] [--connections 4]
//               [--seconds 10] [--rate 0|REQ_PER_S] [--gzip] [--path /write?db=bench]
//
// Every point a run sends is new: before each send, the timestamps of the (uncompressed)
// body are rewritten to base + request sequence number, so a store writes each point
// instead of finding it already there (a gzip body cannot be rewritten: its 64 bodies per
// connection repeat, which a store sees as duplicates — use gzip to measure the parser).
//
// --rate 0: every connection sends as fast as answers come (throughput).
// --rate R: R requests/s in total on a fixed schedule; latency is measured from each
// request's scheduled time, so a stall counts against every request it delays
// (no coordinated omission). Prints one line: requests, points/s, status counts,
// latency p50/p90/p99/max, and this process's own CPU time (the load generator shares
// the machine's cores with the server, so its cost is part of the budget).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define BODIES 64

static int port = 8428, batch = 1000, connections = 4, use_gzip = 0, json = 1;
static double seconds = 10, rate = 0;
// Wall-clock ns at start: the run's points are stamped from here on.
static long long ts_base;
static const char *key = "";
// The target: nazard's ingest (202 on success), or an InfluxDB /write URL (204).
static const char *path = "/api/v1/ingest";

// Timestamps are written with exactly this many digits (ns since 1970 until 2286).
#define TS_DIGITS 19

typedef struct {
    int id;
    char *requests[BODIES];
    size_t lengths[BODIES];
    // Where each timestamp's digits are in requests[k] (uncompressed bodies only).
    size_t *ts_offsets[BODIES];
    int ts_count;
    uint64_t sent, ok, other, points;
    double *latencies;
    size_t nlat, caplat;
} worker;

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// Fills `out` with body k of a thread; records where each timestamp starts in `offsets`
// (relative to the body) and returns the body's length.
static size_t make_body(char *out, size_t cap, int thread, int k, size_t *offsets) {
    size_t n = 0;
    long long ts = 1700000000000000000LL + ((long long)thread * BODIES + k) * 1000000000LL;
    if (json) {
        n += snprintf(out + n, cap - n, "{\"points\":[");
        for (int i = 0; i < batch; i++) {
            n += snprintf(out + n, cap - n, "%s{\"metric\":\"bench.m%d\",\"labels\":{\"host\":\"h%d\",\"core\":\"%d\"},\"value\":%.3f,\"timestamp\":",
                          i ? "," : "", i % 10, (i / 10) % 100, i % 4, i * 0.37 + k);
            offsets[i] = n;
            n += snprintf(out + n, cap - n, "%lld}", ts + i);
        }
        n += snprintf(out + n, cap - n, "]}");
    } else {
        // 10 fields a line, like Telegraf's cpu input.
        for (int line = 0; line < batch / 10; line++) {
            n += snprintf(out + n, cap - n, "bench,host=h%d,core=%d ", line % 100, line % 4);
            for (int f = 0; f < 10; f++) n += snprintf(out + n, cap - n, "%sm%d=%.3f", f ? "," : "", f, (line * 10 + f) * 0.37 + k);
            n += snprintf(out + n, cap - n, " ");
            offsets[line] = n;
            n += snprintf(out + n, cap - n, "%lld\n", ts + line);
        }
    }
    return n;
}

// Writes base + i into each timestamp of a request (TS_DIGITS digits each).
static void stamp(char *req, const size_t *offsets, int count, long long base) {
    for (int i = 0; i < count; i++) {
        long long v = base + i;
        char *d = req + offsets[i];
        for (int j = TS_DIGITS - 1; j >= 0; j--) { d[j] = (char)('0' + v % 10); v /= 10; }
    }
}

static void prepare(worker *w) {
    size_t cap = (size_t)batch * 160 + 4096;
    char *body = malloc(cap), *gz = malloc(cap);
    w->ts_count = json ? batch : batch / 10;
    for (int k = 0; k < BODIES; k++) {
        size_t *offsets = malloc(sizeof(size_t) * (size_t)w->ts_count);
        size_t len = make_body(body, cap, w->id, k, offsets);
        const char *payload = body;
        if (use_gzip) {
            z_stream z = {0};
            deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
            z.next_in = (unsigned char *)body; z.avail_in = (unsigned)len;
            z.next_out = (unsigned char *)gz; z.avail_out = (unsigned)cap;
            deflate(&z, Z_FINISH);
            len = z.total_out;
            deflateEnd(&z);
            payload = gz;
        }
        char *req = malloc(len + 512);
        int h = snprintf(req, 512,
                         "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                         "Content-Type: %s\r\n%sContent-Length: %zu\r\n\r\n",
                         path, key, json ? "application/json" : "text/plain", use_gzip ? "Content-Encoding: gzip\r\n" : "", len);
        memcpy(req + h, payload, len);
        for (int i = 0; i < w->ts_count; i++) offsets[i] += (size_t)h;
        w->ts_offsets[k] = offsets;
        w->requests[k] = req;
        w->lengths[k] = h + len;
    }
    free(body);
    free(gz);
}

static int connect_once(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); exit(1); }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

// Reads one response; returns its status or -1.
static int read_response(int fd, char *buf, size_t cap) {
    size_t have = 0;
    for (;;) {
        ssize_t r = read(fd, buf + have, cap - have - 1);
        if (r <= 0) return -1;
        have += r;
        buf[have] = 0;
        char *end = strstr(buf, "\r\n\r\n");
        if (!end) continue;
        int status = atoi(buf + 9);
        char *cl = strcasestr(buf, "content-length:");
        size_t body = cl ? strtoul(cl + 15, NULL, 10) : 0;
        size_t need = (end + 4 - buf) + body;
        while (have < need) {
            r = read(fd, buf + have, cap - have - 1);
            if (r <= 0) return -1;
            have += r;
        }
        return status;
    }
}

static void record(worker *w, double ms) {
    if (w->nlat == w->caplat) {
        w->caplat = w->caplat ? w->caplat * 2 : 4096;
        w->latencies = realloc(w->latencies, w->caplat * sizeof(double));
    }
    w->latencies[w->nlat++] = ms;
}

static void *run(void *arg) {
    worker *w = arg;
    int fd = connect_once();
    char buf[65536];
    int64_t start = now_ns(), end = start + (int64_t)(seconds * 1e9);
    double interval = rate > 0 ? 1e9 * connections / rate : 0;
    // Spread the connections' schedules over one interval.
    int64_t next = start + (int64_t)(interval * w->id / connections);
    for (uint64_t k = 0;; k++) {
        int64_t scheduled = now_ns();
        if (rate > 0) {
            scheduled = next;
            next += (int64_t)interval;
            if (scheduled >= end) break;
            struct timespec ts = {.tv_sec = scheduled / 1000000000LL, .tv_nsec = scheduled % 1000000000LL};
            while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
        } else if (scheduled >= end) {
            break;
        }
        char *req = w->requests[k % BODIES];
        size_t len = w->lengths[k % BODIES], off = 0;
        // Request number k of connection id is the run's (k * connections + id)-th: its
        // points get timestamps no other request of the run has (1 µs apart per request).
        if (!use_gzip) stamp(req, w->ts_offsets[k % BODIES], w->ts_count, ts_base + ((long long)k * connections + w->id) * 1000LL);
        while (off < len) {
            ssize_t n = write(fd, req + off, len - off);
            if (n <= 0) { perror("write"); exit(1); }
            off += n;
        }
        int status = read_response(fd, buf, sizeof buf);
        if (status < 0) { fprintf(stderr, "connection closed\n"); exit(1); }
        w->sent++;
        if (status == 202 || status == 204) { w->ok++; w->points += batch; } else { w->other++; if (w->other < 3) fprintf(stderr, "status %d: %.200s\n", status, strstr(buf, "\r\n\r\n") + 4); }
        record(w, (now_ns() - scheduled) / 1e6);
    }
    close(fd);
    return NULL;
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--port")) port = atoi(v), i++;
        else if (!strcmp(a, "--key")) key = v, i++;
        else if (!strcmp(a, "--path")) path = v, i++;
        else if (!strcmp(a, "--format")) json = strcmp(v, "lp") != 0, i++;
        else if (!strcmp(a, "--batch")) batch = atoi(v), i++;
        else if (!strcmp(a, "--connections")) connections = atoi(v), i++;
        else if (!strcmp(a, "--seconds")) seconds = atof(v), i++;
        else if (!strcmp(a, "--rate")) rate = atof(v), i++;
        else if (!strcmp(a, "--gzip")) use_gzip = 1;
        else { fprintf(stderr, "unknown argument %s\n", a); return 2; }
    }
    if (!json && batch % 10) { fprintf(stderr, "--batch must be a multiple of 10 for line protocol\n"); return 2; }
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    ts_base = (long long)wall.tv_sec * 1000000000LL + wall.tv_nsec;
    worker *ws = calloc(connections, sizeof(worker));
    pthread_t *ts = calloc(connections, sizeof(pthread_t));
    for (int i = 0; i < connections; i++) { ws[i].id = i; prepare(&ws[i]); }
    // Bodies are made (and gzipped) before this: only the sending is counted.
    double cpu0 = cpu_seconds();
    int64_t t0 = now_ns();
    for (int i = 0; i < connections; i++) pthread_create(&ts[i], NULL, run, &ws[i]);
    for (int i = 0; i < connections; i++) pthread_join(ts[i], NULL);
    double elapsed = (now_ns() - t0) / 1e9;
    uint64_t sent = 0, ok = 0, other = 0, points = 0;
    size_t n = 0;
    for (int i = 0; i < connections; i++) { sent += ws[i].sent; ok += ws[i].ok; other += ws[i].other; points += ws[i].points; n += ws[i].nlat; }
    double *all = malloc((n + 1) * sizeof(double));
    size_t j = 0;
    for (int i = 0; i < connections; i++) { memcpy(all + j, ws[i].latencies, ws[i].nlat * sizeof(double)); j += ws[i].nlat; }
    qsort(all, n, sizeof(double), cmp);
#define PCT(p) (n ? all[(size_t)((n - 1) * (p))] : 0)
    double cpu = cpu_seconds() - cpu0;
    printf("format=%s gzip=%d batch=%d connections=%d rate=%.0f seconds=%.1f requests=%llu accepted=%llu other=%llu "
           "points_per_s=%.0f requests_per_s=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f client_cpu_s=%.2f\n",
           json ? "json" : "lp", use_gzip, batch, connections, rate, elapsed, (unsigned long long)sent, (unsigned long long)ok,
           (unsigned long long)other, points / elapsed, sent / elapsed, PCT(0.5), PCT(0.9), PCT(0.99), n ? all[n - 1] : 0, cpu);
    return other ? 1 : 0;
}
