#ifndef KIMI_PROFILES_COPENSSL_SHIM_H
#define KIMI_PROFILES_COPENSSL_SHIM_H
/* The vault opens its AES-256-GCM through OpenSSL's built-in (non-provider) cipher table, whose
 * entry points OpenSSL 3 marks deprecated; see Crypto/OpenSSL.swift for why. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif
