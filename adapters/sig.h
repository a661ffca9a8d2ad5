/*
 * sig.h -- the cryptography the platforms' webhook schemes need, over
 * OpenSSL 3 libcrypto: HMAC, digests, Base64, hex, AES-256-CBC, and a
 * constant-time compare.  Pure functions of their arguments: no I/O, no
 * clock, no global state beyond what libcrypto keeps.
 *
 * Output buffers are caller-provided and sized by the *_LEN constants.
 * Functions that can fail return 0 on success and -1 on failure (bad
 * input such as invalid Base64, a wrong key length, or libcrypto failing).
 */
#ifndef ADAPTERS_SIG_H
#define ADAPTERS_SIG_H

#include <stddef.h>
#include <stdint.h>

#define SIG_SHA1_LEN   20
#define SIG_SHA256_LEN 32

enum sig_md {
	SIG_SHA1 = 0,
	SIG_SHA256,
};

/*
 * HMAC over the concatenation a[0..alen) || b[0..blen) (b may be NULL),
 * keyed with key[0..keylen).  out gets SIG_SHA1_LEN or SIG_SHA256_LEN bytes.
 */
int sig_hmac(enum sig_md, const void *key, size_t keylen, const void *a,
    size_t alen, const void *b, size_t blen, unsigned char *out);

/* Digest of the concatenation of n parts; out as for sig_hmac. */
int sig_digest(enum sig_md, const void *const *part, const size_t *partlen,
    size_t n, unsigned char *out);

/* Lowercase hex of in[0..len) into out[2*len+1]. */
void sig_hex(const unsigned char *in, size_t len, char *out);

/* Standard Base64 (with padding) of in into out[4*((len+2)/3)+1]. */
void sig_b64_encode(const unsigned char *in, size_t len, char *out);
/*
 * Decode standard Base64 (padding required, no white space) into
 * out[outmax]; *outlen gets the byte count.  -1 on bad input or overflow.
 */
int sig_b64_decode(const char *in, size_t len, unsigned char *out,
    size_t outmax, size_t *outlen);

/*
 * 1 if a[0..alen) equals b[0..blen), compared in time independent of the
 * contents (the lengths are not secret); else 0.
 */
int sig_eq(const void *a, size_t alen, const void *b, size_t blen);
/* sig_eq on two NUL-terminated strings; NULL never matches. */
int sig_streq(const char *a, const char *b);
/* 1 if hexsig (any case) is the hex of mac[0..maclen), in constant time. */
int sig_hex_eq(const unsigned char *mac, size_t maclen, const char *hexsig);

/*
 * AES-256-CBC without padding (the platforms use their own: Feishu PKCS#7
 * to 16, WeCom PKCS#7 to 32).  len must be a multiple of 16; out holds len
 * bytes.  key is 32 bytes, iv 16.
 */
int sig_aes256cbc_decrypt(const unsigned char *key, const unsigned char *iv,
    const unsigned char *in, size_t len, unsigned char *out);
int sig_aes256cbc_encrypt(const unsigned char *key, const unsigned char *iv,
    const unsigned char *in, size_t len, unsigned char *out);

/*
 * Strip PKCS#7 padding with block size bs from buf[0..*len): checks every
 * pad byte and that the pad is 1..bs; updates *len.  0, or -1 if invalid.
 */
int sig_pkcs7_unpad(const unsigned char *buf, size_t *len, size_t bs);

/* Fill out with n cryptographically random bytes; 0 or -1. */
int sig_random(unsigned char *out, size_t n);

#endif /* ADAPTERS_SIG_H */
