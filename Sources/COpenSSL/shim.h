#ifndef KIMI_PROFILES_COPENSSL_SHIM_H
#define KIMI_PROFILES_COPENSSL_SHIM_H
/* The vault opens its AES-256-GCM through OpenSSL's built-in (non-provider) cipher table, whose
 * entry points OpenSSL 3 marks deprecated; see Crypto/OpenSSL.swift for why. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* TLS for the HTTP layer (HTTP/TLSContext.swift, HTTP/SocketBIO.swift): macros Swift cannot
 * import, wrapped one for one. */
static inline int kp_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}
static inline int kp_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}
static inline long kp_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
static inline uint64_t kp_SSL_OP_IGNORE_UNEXPECTED_EOF(void) { return SSL_OP_IGNORE_UNEXPECTED_EOF; }
static inline void kp_BIO_clear_retry_flags(BIO *bio) { BIO_clear_retry_flags(bio); }
static inline void kp_BIO_set_retry_read(BIO *bio) { BIO_set_retry_read(bio); }
static inline void kp_BIO_set_retry_write(BIO *bio) { BIO_set_retry_write(bio); }
#endif
