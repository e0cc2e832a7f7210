/* CRabbitMQ: Debian's librabbitmq (rabbitmq-c 0.11) plus a few small helpers that keep
 * the frame-level details (confirm waits, RPC reply decoding) in C, where the library's
 * unions are natural to read. Every helper takes one connection and must only be called
 * from the thread that owns that connection: librabbitmq is not thread-safe. */
#ifndef NAZAR_CRABBITMQ_SHIM_H
#define NAZAR_CRABBITMQ_SHIM_H

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#include <openssl/err.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

/* What went wrong, coarse enough for the caller to choose: retry later (NZ_AMQP_IO),
 * give up and say so (NZ_AMQP_AUTH, NZ_AMQP_CONFIG), or reconnect (NZ_AMQP_CLOSED). */
enum {
    NZ_AMQP_OK = 0,
    NZ_AMQP_IO = 1,       /* socket/TCP/TLS error or timeout: the broker is away */
    NZ_AMQP_AUTH = 2,     /* login refused (ACCESS_REFUSED) or vhost not allowed */
    NZ_AMQP_CLOSED = 3,   /* broker closed the channel or connection (message in err) */
    NZ_AMQP_CONFIG = 4,   /* TLS files unreadable and similar local problems */
    NZ_AMQP_NACKED = 5,   /* the broker refused a published message (basic.nack) */
    NZ_AMQP_TIMEOUT = 6,  /* nothing arrived before the deadline (not an error by itself) */
};

/* Writes a readable explanation of an RPC reply into err; returns an NZ_AMQP_* class. */
static inline int nz_amqp_explain(amqp_rpc_reply_t r, const char *what, char *err, size_t errlen) {
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return NZ_AMQP_OK;
    case AMQP_RESPONSE_NONE:
        snprintf(err, errlen, "%s: missing RPC reply", what);
        return NZ_AMQP_IO;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        snprintf(err, errlen, "%s: %s", what, amqp_error_string2(r.library_error));
        return r.library_error == AMQP_STATUS_TIMEOUT ? NZ_AMQP_TIMEOUT : NZ_AMQP_IO;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
            amqp_connection_close_t *m = (amqp_connection_close_t *)r.reply.decoded;
            snprintf(err, errlen, "%s: broker closed the connection: %u %.*s", what, m->reply_code,
                     (int)m->reply_text.len, (const char *)m->reply_text.bytes);
            return (m->reply_code == 403 || m->reply_code == 530) ? NZ_AMQP_AUTH : NZ_AMQP_CLOSED;
        }
        if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
            amqp_channel_close_t *m = (amqp_channel_close_t *)r.reply.decoded;
            snprintf(err, errlen, "%s: broker closed the channel: %u %.*s", what, m->reply_code,
                     (int)m->reply_text.len, (const char *)m->reply_text.bytes);
            return m->reply_code == 403 ? NZ_AMQP_AUTH : NZ_AMQP_CLOSED;
        }
        snprintf(err, errlen, "%s: unexpected server method 0x%08x", what, r.reply.id);
        return NZ_AMQP_CLOSED;
    }
    snprintf(err, errlen, "%s: unknown reply", what);
    return NZ_AMQP_IO;
}

/* TLS material; NULL fields are not used. */
typedef struct {
    int enabled;
    const char *ca_file;
    const char *cert_file;
    const char *key_file;
    int verify_peer;
} nz_amqp_tls;

/* OpenSSL's reason for the last TLS failure on this thread ("certificate verify failed",
 * "tlsv13 alert unknown ca"), or "" when it left none. librabbitmq only reports "SSL
 * handshake failed" but leaves OpenSSL's error queue in place (it peeks), so the reason
 * an operator needs is still there; the queue is cleared after reading. */
static inline const char *nz_amqp_tls_reason(char *buf, size_t len) {
    unsigned long e = ERR_peek_last_error();
    buf[0] = 0;
    if (e) {
        const char *reason = ERR_reason_error_string(e);
        snprintf(buf, len, "%s", reason ? reason : "");
        if (!reason) ERR_error_string_n(e, buf, len);
    }
    ERR_clear_error();
    return buf;
}

/* Opens a connection, logs in, opens channel 1 and, with `confirms`, puts it in confirm
 * mode. On failure returns NULL, *klass is an NZ_AMQP_* class and err says why. */
static inline amqp_connection_state_t nz_amqp_open(const char *host, int port, const char *vhost,
                                                   const char *user, const char *password,
                                                   const nz_amqp_tls *tls, int heartbeat_s,
                                                   int timeout_ms, int confirms, int *klass,
                                                   char *err, size_t errlen) {
    amqp_connection_state_t c = amqp_new_connection();
    if (!c) { *klass = NZ_AMQP_IO; snprintf(err, errlen, "out of memory"); return NULL; }
    amqp_socket_t *s = NULL;
    if (tls && tls->enabled) {
        s = amqp_ssl_socket_new(c);
        if (s) {
            amqp_ssl_socket_set_verify_peer(s, tls->verify_peer);
            amqp_ssl_socket_set_verify_hostname(s, tls->verify_peer);
            if (tls->ca_file && amqp_ssl_socket_set_cacert(s, tls->ca_file) != AMQP_STATUS_OK) {
                snprintf(err, errlen, "TLS: cannot use CA file %s", tls->ca_file);
                *klass = NZ_AMQP_CONFIG; amqp_destroy_connection(c); return NULL;
            }
            if (tls->cert_file && tls->key_file &&
                amqp_ssl_socket_set_key(s, tls->cert_file, tls->key_file) != AMQP_STATUS_OK) {
                snprintf(err, errlen, "TLS: cannot use certificate %s / key %s", tls->cert_file, tls->key_file);
                *klass = NZ_AMQP_CONFIG; amqp_destroy_connection(c); return NULL;
            }
        }
    } else {
        s = amqp_tcp_socket_new(c);
    }
    if (!s) { *klass = NZ_AMQP_IO; snprintf(err, errlen, "cannot create socket"); amqp_destroy_connection(c); return NULL; }
    const char *scheme = tls && tls->enabled ? "amqps" : "amqp";
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    if (tls && tls->enabled) ERR_clear_error();
    int rc = amqp_socket_open_noblock(s, host, port, &tv);
    if (rc != AMQP_STATUS_OK) {
        char reason[256] = "";
        if (tls && tls->enabled) nz_amqp_tls_reason(reason, sizeof reason);
        /* librabbitmq checks the chain itself after the handshake and then leaves OpenSSL's
         * queue empty: name the check and the trust anchor it used. */
        if (rc == AMQP_STATUS_SSL_PEER_VERIFY_FAILED)
            snprintf(reason, sizeof reason, "certificate verify failed: the broker's certificate is not trusted by %s%s",
                     tls->ca_file ? "CA file " : "the system's CA store", tls->ca_file ? tls->ca_file : "");
        else if (rc == AMQP_STATUS_SSL_HOSTNAME_VERIFY_FAILED)
            snprintf(reason, sizeof reason, "the broker's certificate is not for host %s", host);
        snprintf(err, errlen, "connect %s://%s:%d: %s%s%s", scheme, host, port, amqp_error_string2(rc),
                 reason[0] ? ": " : "", reason);
        /* A handshake refused for a reason (verification, an alert from the broker) is
         * configuration; one cut short without a reason (the broker restarting) is just
         * unreachable. */
        *klass = reason[0] ? NZ_AMQP_CONFIG : NZ_AMQP_IO;
        amqp_destroy_connection(c); return NULL;
    }
    amqp_set_handshake_timeout(c, &tv);
    amqp_set_rpc_timeout(c, &tv);
    amqp_rpc_reply_t r = amqp_login(c, vhost, 0, 131072, heartbeat_s, AMQP_SASL_METHOD_PLAIN, user, password);
    if (r.reply_type != AMQP_RESPONSE_NORMAL) {
        char why[400];
        int k = nz_amqp_explain(r, "login", why, sizeof why);
        /* Under TLS 1.3 the broker checks a client certificate after the handshake, so
         * its refusal arrives as an alert during login: say so, not "bad password". */
        char reason[256] = "";
        if (tls && tls->enabled && nz_amqp_tls_reason(reason, sizeof reason)[0]) {
            snprintf(err, errlen, "TLS: the broker refused the connection during login: %s (%s://%s:%d)",
                     reason, scheme, host, port);
            *klass = NZ_AMQP_CONFIG; amqp_destroy_connection(c); return NULL;
        }
        /* RabbitMQ drops the socket on a refused PLAIN login rather than sending
         * connection.close, which surfaces here as a library error during login. */
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
            (r.library_error == AMQP_STATUS_CONNECTION_CLOSED || r.library_error == AMQP_STATUS_SOCKET_ERROR))
            k = NZ_AMQP_AUTH;
        snprintf(err, errlen, "%s (user '%s', vhost '%s' at %s://%s:%d)", why, user, vhost, scheme, host, port);
        *klass = k; amqp_destroy_connection(c); return NULL;
    }
    amqp_channel_open(c, 1);
    r = amqp_get_rpc_reply(c);
    if ((*klass = nz_amqp_explain(r, "channel.open", err, errlen)) != NZ_AMQP_OK) {
        amqp_destroy_connection(c); return NULL;
    }
    if (confirms) {
        amqp_confirm_select(c, 1);
        r = amqp_get_rpc_reply(c);
        if ((*klass = nz_amqp_explain(r, "confirm.select", err, errlen)) != NZ_AMQP_OK) {
            amqp_destroy_connection(c); return NULL;
        }
    }
    *klass = NZ_AMQP_OK;
    return c;
}

/* Closes politely when possible and frees the connection. */
static inline void nz_amqp_close(amqp_connection_state_t c, int polite) {
    if (!c) return;
    if (polite) {
        amqp_channel_close(c, 1, AMQP_REPLY_SUCCESS);
        amqp_connection_close(c, AMQP_REPLY_SUCCESS);
    }
    amqp_destroy_connection(c);
}

/* Declares a durable topic exchange. */
static inline int nz_amqp_declare_exchange(amqp_connection_state_t c, const char *name, char *err, size_t errlen) {
    amqp_exchange_declare(c, 1, amqp_cstring_bytes(name), amqp_cstring_bytes("topic"), 0, 1, 0, 0, amqp_empty_table);
    return nz_amqp_explain(amqp_get_rpc_reply(c), "exchange.declare", err, errlen);
}

/* Declares a durable queue and binds it to `exchange` with each pattern. */
static inline int nz_amqp_declare_queue(amqp_connection_state_t c, const char *queue, const char *exchange,
                                        const char *const *patterns, int count, char *err, size_t errlen) {
    amqp_queue_declare(c, 1, amqp_cstring_bytes(queue), 0, 1, 0, 0, amqp_empty_table);
    int k = nz_amqp_explain(amqp_get_rpc_reply(c), "queue.declare", err, errlen);
    if (k != NZ_AMQP_OK) return k;
    for (int i = 0; i < count; i++) {
        amqp_queue_bind(c, 1, amqp_cstring_bytes(queue), amqp_cstring_bytes(exchange),
                        amqp_cstring_bytes(patterns[i]), amqp_empty_table);
        k = nz_amqp_explain(amqp_get_rpc_reply(c), "queue.bind", err, errlen);
        if (k != NZ_AMQP_OK) return k;
    }
    return NZ_AMQP_OK;
}

/* Looks a queue up without creating it (passive declare): its consumer and message
 * counts. A missing queue makes the broker close the channel (NZ_AMQP_CLOSED). */
static inline int nz_amqp_queue_counts(amqp_connection_state_t c, const char *queue, uint32_t *consumers,
                                       uint32_t *messages, char *err, size_t errlen) {
    amqp_queue_declare_ok_t *ok = amqp_queue_declare(c, 1, amqp_cstring_bytes(queue), 1, 0, 0, 0, amqp_empty_table);
    int k = nz_amqp_explain(amqp_get_rpc_reply(c), "queue.declare(passive)", err, errlen);
    if (k != NZ_AMQP_OK || !ok) return k == NZ_AMQP_OK ? NZ_AMQP_IO : k;
    *consumers = ok->consumer_count;
    *messages = ok->message_count;
    return NZ_AMQP_OK;
}

/* Sets the prefetch window and starts consuming with manual acks. */
static inline int nz_amqp_consume(amqp_connection_state_t c, const char *queue, int prefetch, char *err, size_t errlen) {
    amqp_basic_qos(c, 1, 0, (uint16_t)prefetch, 0);
    int k = nz_amqp_explain(amqp_get_rpc_reply(c), "basic.qos", err, errlen);
    if (k != NZ_AMQP_OK) return k;
    amqp_basic_consume(c, 1, amqp_cstring_bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table);
    return nz_amqp_explain(amqp_get_rpc_reply(c), "basic.consume", err, errlen);
}

/* Publishes one persistent message (mandatory=false) on channel 1. */
static inline int nz_amqp_publish(amqp_connection_state_t c, const char *exchange, const char *routing_key,
                                  const void *body, size_t len, const char *content_type,
                                  char *err, size_t errlen) {
    amqp_basic_properties_t p;
    memset(&p, 0, sizeof p);
    p._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_DELIVERY_MODE_FLAG;
    p.content_type = amqp_cstring_bytes(content_type);
    p.delivery_mode = 2; /* persistent */
    amqp_bytes_t b = { len, (void *)body };
    int rc = amqp_basic_publish(c, 1, amqp_cstring_bytes(exchange), amqp_cstring_bytes(routing_key), 0, 0, &p, b);
    if (rc != AMQP_STATUS_OK) {
        snprintf(err, errlen, "basic.publish: %s", amqp_error_string2(rc));
        return NZ_AMQP_IO;
    }
    return NZ_AMQP_OK;
}

/* Reads frames until the broker confirmed every delivery tag up to `last_tag` (acks may
 * cover several with multiple=1), or the timeout. A nack of any tag returns NZ_AMQP_NACKED
 * after the rest are read. */
static inline int nz_amqp_wait_confirms(amqp_connection_state_t c, uint64_t last_tag, int timeout_ms,
                                        char *err, size_t errlen) {
    uint64_t confirmed = 0;
    int nacked = 0;
    struct timeval start;
    gettimeofday(&start, NULL);
    while (confirmed < last_tag) {
        struct timeval now;
        gettimeofday(&now, NULL);
        long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_usec - start.tv_usec) / 1000;
        long left = timeout_ms - elapsed;
        if (left <= 0) { snprintf(err, errlen, "no publisher confirm within %d ms", timeout_ms); return NZ_AMQP_TIMEOUT; }
        struct timeval tv = { left / 1000, (left % 1000) * 1000 };
        amqp_frame_t f;
        amqp_maybe_release_buffers(c);
        int rc = amqp_simple_wait_frame_noblock(c, &f, &tv);
        if (rc == AMQP_STATUS_TIMEOUT) continue;
        if (rc != AMQP_STATUS_OK) { snprintf(err, errlen, "waiting for confirms: %s", amqp_error_string2(rc)); return NZ_AMQP_IO; }
        if (f.frame_type != AMQP_FRAME_METHOD) continue;
        switch (f.payload.method.id) {
        case AMQP_BASIC_ACK_METHOD: {
            amqp_basic_ack_t *a = (amqp_basic_ack_t *)f.payload.method.decoded;
            if (a->delivery_tag > confirmed) confirmed = a->delivery_tag;
            break;
        }
        case AMQP_BASIC_NACK_METHOD: {
            amqp_basic_nack_t *n = (amqp_basic_nack_t *)f.payload.method.decoded;
            if (n->delivery_tag > confirmed) confirmed = n->delivery_tag;
            nacked = 1;
            break;
        }
        case AMQP_CHANNEL_CLOSE_METHOD: {
            amqp_channel_close_t *m = (amqp_channel_close_t *)f.payload.method.decoded;
            snprintf(err, errlen, "broker closed the channel: %u %.*s", m->reply_code,
                     (int)m->reply_text.len, (const char *)m->reply_text.bytes);
            return NZ_AMQP_CLOSED;
        }
        case AMQP_CONNECTION_CLOSE_METHOD: {
            amqp_connection_close_t *m = (amqp_connection_close_t *)f.payload.method.decoded;
            snprintf(err, errlen, "broker closed the connection: %u %.*s", m->reply_code,
                     (int)m->reply_text.len, (const char *)m->reply_text.bytes);
            return NZ_AMQP_CLOSED;
        }
        default:
            break;
        }
    }
    if (nacked) { snprintf(err, errlen, "the broker refused (nacked) a message"); return NZ_AMQP_NACKED; }
    return NZ_AMQP_OK;
}

/* Lets the library read and send heartbeats on an otherwise idle connection (it only
 * does so inside calls). Returns NZ_AMQP_OK, or an error class if the connection died. */
static inline int nz_amqp_tick(amqp_connection_state_t c, char *err, size_t errlen) {
    struct timeval tv = { 0, 0 };
    amqp_frame_t f;
    int rc = amqp_simple_wait_frame_noblock(c, &f, &tv);
    if (rc == AMQP_STATUS_OK || rc == AMQP_STATUS_TIMEOUT) {
        if (rc == AMQP_STATUS_OK && f.frame_type == AMQP_FRAME_METHOD &&
            (f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD || f.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD)) {
            snprintf(err, errlen, "broker closed the channel or connection");
            return NZ_AMQP_CLOSED;
        }
        return NZ_AMQP_OK;
    }
    snprintf(err, errlen, "idle connection: %s", amqp_error_string2(rc));
    return NZ_AMQP_IO;
}

/* One delivered message. The body stays valid until nz_amqp_release. */
typedef struct {
    amqp_envelope_t envelope;
    const uint8_t *body;
    size_t length;
    uint64_t delivery_tag;
    int redelivered;
} nz_amqp_delivery;

/* Waits up to timeout_ms for the next delivery. NZ_AMQP_TIMEOUT when nothing came;
 * other frames (heartbeats, acks of other kinds) are read and skipped. */
static inline int nz_amqp_next(amqp_connection_state_t c, nz_amqp_delivery *d, int timeout_ms, char *err, size_t errlen) {
    struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
    amqp_maybe_release_buffers(c);
    amqp_rpc_reply_t r = amqp_consume_message(c, &d->envelope, &tv, 0);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) {
        d->body = (const uint8_t *)d->envelope.message.body.bytes;
        d->length = d->envelope.message.body.len;
        d->delivery_tag = d->envelope.delivery_tag;
        d->redelivered = d->envelope.redelivered;
        return NZ_AMQP_OK;
    }
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT) return NZ_AMQP_TIMEOUT;
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
        amqp_frame_t f;
        int rc = amqp_simple_wait_frame(c, &f);
        if (rc != AMQP_STATUS_OK) { snprintf(err, errlen, "reading frame: %s", amqp_error_string2(rc)); return NZ_AMQP_IO; }
        if (f.frame_type == AMQP_FRAME_METHOD &&
            (f.payload.method.id == AMQP_CHANNEL_CLOSE_METHOD || f.payload.method.id == AMQP_CONNECTION_CLOSE_METHOD)) {
            snprintf(err, errlen, "broker closed the channel or connection");
            return NZ_AMQP_CLOSED;
        }
        return NZ_AMQP_TIMEOUT;
    }
    return nz_amqp_explain(r, "basic.consume", err, errlen);
}

static inline void nz_amqp_release(nz_amqp_delivery *d) { amqp_destroy_envelope(&d->envelope); }

/* Acknowledges every delivery up to and including `tag`. */
static inline int nz_amqp_ack(amqp_connection_state_t c, uint64_t tag, char *err, size_t errlen) {
    int rc = amqp_basic_ack(c, 1, tag, 1);
    if (rc != AMQP_STATUS_OK) { snprintf(err, errlen, "basic.ack: %s", amqp_error_string2(rc)); return NZ_AMQP_IO; }
    return NZ_AMQP_OK;
}

#endif
