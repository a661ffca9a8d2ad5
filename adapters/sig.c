/*
 * sig.c -- HMAC, digests, Base64, AES-256-CBC over OpenSSL 3 (EVP only;
 * the low-level HMAC_CTX and AES_* calls are deprecated in 3.0).
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "adapters/sig.h"

static const char *
sig_md_name(enum sig_md md)
{
	return (md == SIG_SHA1 ? "SHA1" : "SHA256");
}

int
sig_hmac(enum sig_md md, const void *key, size_t keylen, const void *a,
    size_t alen, const void *b, size_t blen, unsigned char *out)
{
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx = NULL;
	OSSL_PARAM params[2];
	size_t outlen = 0;
	int rc = -1;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return (-1);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)sig_md_name(md), 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto done;
	/* An empty key is legal HMAC; OpenSSL wants a non-NULL pointer. */
	if (!EVP_MAC_init(ctx, keylen ? key : (const void *)"", keylen, params))
		goto done;
	if (alen > 0 && !EVP_MAC_update(ctx, a, alen))
		goto done;
	if (b != NULL && blen > 0 && !EVP_MAC_update(ctx, b, blen))
		goto done;
	if (!EVP_MAC_final(ctx, out, &outlen, SIG_SHA256_LEN))
		goto done;
	rc = 0;
done:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return (rc);
}

int
sig_digest(enum sig_md md, const void *const *part, const size_t *partlen,
    size_t n, unsigned char *out)
{
	EVP_MD_CTX *ctx;
	size_t i;
	int rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return (-1);
	if (!EVP_DigestInit_ex(ctx, md == SIG_SHA1 ? EVP_sha1() : EVP_sha256(),
		NULL))
		goto done;
	for (i = 0; i < n; i++)
		if (partlen[i] > 0 &&
		    !EVP_DigestUpdate(ctx, part[i], partlen[i]))
			goto done;
	if (!EVP_DigestFinal_ex(ctx, out, NULL))
		goto done;
	rc = 0;
done:
	EVP_MD_CTX_free(ctx);
	return (rc);
}

void
sig_hex(const unsigned char *in, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
	out[2 * len] = '\0';
}

void
sig_b64_encode(const unsigned char *in, size_t len, char *out)
{
	int n;

	n = EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	out[n < 0 ? 0 : n] = '\0';
}

/* The value of each byte in the Base64 alphabet (RFC 4648 section 4), or
 * 0xff for bytes outside it. */
static const unsigned char sig_b64_tab[256] = {
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0x3e,
	0xff,
	0xff,
	0xff,
	0x3f,
	0x34,
	0x35,
	0x36,
	0x37,
	0x38,
	0x39,
	0x3a,
	0x3b,
	0x3c,
	0x3d,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0x00,
	0x01,
	0x02,
	0x03,
	0x04,
	0x05,
	0x06,
	0x07,
	0x08,
	0x09,
	0x0a,
	0x0b,
	0x0c,
	0x0d,
	0x0e,
	0x0f,
	0x10,
	0x11,
	0x12,
	0x13,
	0x14,
	0x15,
	0x16,
	0x17,
	0x18,
	0x19,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0x1a,
	0x1b,
	0x1c,
	0x1d,
	0x1e,
	0x1f,
	0x20,
	0x21,
	0x22,
	0x23,
	0x24,
	0x25,
	0x26,
	0x27,
	0x28,
	0x29,
	0x2a,
	0x2b,
	0x2c,
	0x2d,
	0x2e,
	0x2f,
	0x30,
	0x31,
	0x32,
	0x33,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
	0xff,
};

/* Strict decoder: EVP_DecodeBlock accepts white space and miscounts pads. */
int
sig_b64_decode(const char *in, size_t len, unsigned char *out, size_t outmax,
    size_t *outlen)
{
	size_t i, o = 0, pad = 0;

	if (len % 4 != 0)
		return (-1);
	if (len > 0 && in[len - 1] == '=')
		pad++;
	if (len > 1 && in[len - 2] == '=')
		pad++;
	if (len / 4 * 3 - pad > outmax)
		return (-1);
	for (i = 0; i < len; i += 4) {
		const unsigned char *q = (const unsigned char *)in + i;
		unsigned int v[4], k;
		uint32_t w;

		for (k = 0; k < 4; k++)
			v[k] = sig_b64_tab[q[k]];
		if ((v[0] | v[1] | v[2] | v[3]) & 0x80) {
			/* Only the pads of the last quad may be outside. */
			if (i + 4 != len)
				return (-1);
			for (k = 0; k < 4; k++) {
				if (q[k] == '=' && k >= 4 - pad)
					v[k] = 0;
				else if (v[k] & 0x80)
					return (-1);
			}
		}
		w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 |
		    (uint32_t)v[2] << 6 | (uint32_t)v[3];
		out[o++] = (unsigned char)(w >> 16);
		if (i + 4 < len || pad < 2)
			out[o++] = (unsigned char)(w >> 8);
		if (i + 4 < len || pad < 1)
			out[o++] = (unsigned char)w;
	}
	*outlen = o;
	return (0);
}

int
sig_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	if (a == NULL || b == NULL || alen != blen)
		return (0);
	return (CRYPTO_memcmp(a, b, alen) == 0);
}

int
sig_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (0);
	return (sig_eq(a, strlen(a), b, strlen(b)));
}

int
sig_hex_eq(const unsigned char *mac, size_t maclen, const char *hexsig)
{
	char want[2 * SIG_SHA256_LEN + 1], got[2 * SIG_SHA256_LEN + 1];
	size_t i, n;

	if (hexsig == NULL || maclen > SIG_SHA256_LEN)
		return (0);
	n = strlen(hexsig);
	if (n != 2 * maclen)
		return (0);
	for (i = 0; i < n; i++) {
		char c = hexsig[i];

		got[i] = (c >= 'A' && c <= 'F') ? (char)(c - 'A' + 'a') : c;
	}
	got[n] = '\0';
	sig_hex(mac, maclen, want);
	return (sig_eq(want, n, got, n));
}

static int
sig_aes256cbc(int enc, const unsigned char *key, const unsigned char *iv,
    const unsigned char *in, size_t len, unsigned char *out)
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, fin = 0, rc = -1;

	if (len % 16 != 0 || len > (size_t)1 << 30)
		return (-1);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return (-1);
	if (!EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, enc))
		goto done;
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	if (len > 0 && !EVP_CipherUpdate(ctx, out, &n, in, (int)len))
		goto done;
	if (!EVP_CipherFinal_ex(ctx, out + n, &fin))
		goto done;
	rc = ((size_t)(n + fin) == len) ? 0 : -1;
done:
	EVP_CIPHER_CTX_free(ctx);
	return (rc);
}

int
sig_aes256cbc_decrypt(const unsigned char *key, const unsigned char *iv,
    const unsigned char *in, size_t len, unsigned char *out)
{
	return (sig_aes256cbc(0, key, iv, in, len, out));
}

int
sig_aes256cbc_encrypt(const unsigned char *key, const unsigned char *iv,
    const unsigned char *in, size_t len, unsigned char *out)
{
	return (sig_aes256cbc(1, key, iv, in, len, out));
}

int
sig_pkcs7_unpad(const unsigned char *buf, size_t *len, size_t bs)
{
	size_t pad, i;

	if (*len == 0 || *len % bs != 0)
		return (-1);
	pad = buf[*len - 1];
	if (pad < 1 || pad > bs || pad > *len)
		return (-1);
	for (i = *len - pad; i < *len; i++)
		if (buf[i] != pad)
			return (-1);
	*len -= pad;
	return (0);
}

int
sig_random(unsigned char *out, size_t n)
{
	return (RAND_bytes(out, (int)n) == 1 ? 0 : -1);
}
