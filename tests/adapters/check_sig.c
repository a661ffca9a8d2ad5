/*
 * check_sig.c -- adapters/sig.c's strict Base64 decoder: the RFC 4648
 * section 10 vectors, what it must refuse (white space, misplaced or
 * surplus pads, bytes outside the alphabet, too small an output), and a
 * round trip through sig_b64_encode for every length up to 300.
 */
#include <stdint.h>
#include <string.h>

#include <check.h>

#include "adapters/sig.h"

static const struct {
	const char *in, *out;
} b64_good[] = {
	{ "", "" },
	{ "Zg==", "f" },
	{ "Zm8=", "fo" },
	{ "Zm9v", "foo" },
	{ "Zm9vYg==", "foob" },
	{ "Zm9vYmE=", "fooba" },
	{ "Zm9vYmFy", "foobar" },
	{ "+/+/", "\xfb\xff\xbf" },
};

START_TEST(b64_decodes_rfc4648_vectors)
{
	unsigned char out[16];
	size_t n = 99;

	ck_assert_int_eq(sig_b64_decode(b64_good[_i].in,
			     strlen(b64_good[_i].in), out, sizeof(out), &n),
	    0);
	ck_assert_uint_eq(n, strlen(b64_good[_i].out));
	ck_assert_msg(memcmp(out, b64_good[_i].out, n) == 0, "row %d", _i);
}
END_TEST

static const char *const b64_bad[] = {
	"Zg=",      /* not a multiple of four */
	"Z===",     /* three pads */
	"Zg=a",     /* a pad before data */
	"=Zg=",     /* a pad first */
	"Zg==Zg==", /* pads before the last quad */
	"Zm9v\n",   /* white space */
	"Zm 9",     /* white space */
	"Zm9-",     /* base64url, not base64 */
	"Zm9_",     /* base64url, not base64 */
	"Zm9\x80",  /* not ASCII */
	"Zm9v====", /* a quad of pads */
};

START_TEST(b64_refuses_what_is_not_strict_base64)
{
	unsigned char out[16];
	size_t n;

	ck_assert_msg(sig_b64_decode(b64_bad[_i], strlen(b64_bad[_i]), out,
			  sizeof(out), &n) == -1,
	    "row %d accepted", _i);
}
END_TEST

START_TEST(b64_refuses_too_small_an_output)
{
	unsigned char out[6];
	size_t n;

	ck_assert_int_eq(sig_b64_decode("Zm9vYmFy", 8, out, 5, &n), -1);
	ck_assert_int_eq(sig_b64_decode("Zm9vYmFy", 8, out, 6, &n), 0);
	ck_assert_uint_eq(n, 6);
	ck_assert_int_eq(sig_b64_decode("Zm9vYg==", 8, out, 4, &n), 0);
	ck_assert_uint_eq(n, 4);
}
END_TEST

START_TEST(b64_round_trips_every_length)
{
	unsigned char in[300], out[300];
	char enc[404];
	size_t len, i, n;
	uint32_t x = 2463534242u;

	for (len = 0; len <= sizeof(in); len++) {
		for (i = 0; i < len; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			in[i] = (unsigned char)x;
		}
		sig_b64_encode(in, len, enc);
		ck_assert_int_eq(sig_b64_decode(enc, strlen(enc), out,
				     sizeof(out), &n),
		    0);
		ck_assert_uint_eq(n, len);
		ck_assert_msg(memcmp(in, out, len) == 0, "length %zu", len);
	}
}
END_TEST

Suite *
sig_suite(void)
{
	Suite *s = suite_create("sig");
	TCase *tc = tcase_create("base64");

	tcase_add_loop_test(tc, b64_decodes_rfc4648_vectors, 0,
	    (int)(sizeof(b64_good) / sizeof(b64_good[0])));
	tcase_add_loop_test(tc, b64_refuses_what_is_not_strict_base64, 0,
	    (int)(sizeof(b64_bad) / sizeof(b64_bad[0])));
	tcase_add_test(tc, b64_refuses_too_small_an_output);
	tcase_add_test(tc, b64_round_trips_every_length);
	suite_add_tcase(s, tc);
	return (s);
}
