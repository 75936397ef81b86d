// SPDX-License-Identifier: GPL-2.0
/*
 * --web-config (user/webconfig.c): exporter-toolkit's web configuration
 * read from files in a temporary directory (sections, relative paths, every
 * error with its line), and basic auth's password check with bcrypt.
 */
#define _GNU_SOURCE
#include <crypt.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "test.h"
#include "webconfig.h"

/* htpasswd -nbB -C 4 alice 'correct horse', and bob 'battery staple'. */
#define ALICE	"$2y$04$UEqDpEyXVKgPOjKgVab0aOt6lFj62FZsnePqxmt0Bev2e4gysNh4u"
#define BOB	"$2y$04$EuUbw6JZLpvjlvHgP/bIW.JIGTBm9O8227eAa5M0IDB65B6Cg4f6q"

static char dir[] = "/tmp/test_webconfig.XXXXXX";
static char err[512];

/* @name under the temporary directory, in one of two rotating buffers. */
static const char *at(const char *name)
{
	static char buf[2][256];
	static int i;

	i ^= 1;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

/* Write @text to @name under the temporary directory: the path. */
static const char *put(const char *name, const char *text)
{
	const char *path = at(name);
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
	return path;
}

/* Load @text as conf/web.yml: ks_webconfig_load()'s return. */
static int load_text(struct ks_webconfig *wc, const char *text)
{
	err[0] = '\0';
	return ks_webconfig_load(wc, put("conf/web.yml", text), err, sizeof(err));
}

static const char *bcrypt_of(const char *prefix, const char *password)
{
	static char hash[CRYPT_OUTPUT_SIZE];
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data data = {};

	if (!crypt_gensalt_rn(prefix, 4, NULL, 0, setting, sizeof(setting)) ||
	    !crypt_rn(password, setting, &data, sizeof(data)))
		return "";
	strcpy(hash, data.output);
	return hash;
}

TEST(empty_file_is_plain_http)
{
	struct ks_webconfig wc;

	ASSERT_EQ(load_text(&wc, ""), 0);
	ASSERT_TRUE(!wc.cert && !wc.key && !wc.users);
	ASSERT_EQ(wc.nr_users, 0);
	ASSERT_TRUE(!ks_webconfig_auth(&wc, "alice", "correct horse"));
}

TEST(empty_sections_are_plain_http)
{
	struct ks_webconfig wc;

	ASSERT_EQ(load_text(&wc, "# nothing yet\n---\ntls_server_config:\n"
			    "  cert_file: ''\nbasic_auth_users: ~\n"), 0);
	ASSERT_TRUE(!wc.cert && !wc.key);
	ASSERT_EQ(wc.nr_users, 0);
}

TEST(tls_and_users_relative_to_the_file)
{
	struct ks_webconfig wc;

	put("conf/certs/server.crt", "CERT\n");
	put("conf/server.key", "KEY\n");
	ASSERT_EQ(load_text(&wc, "tls_server_config:\n  cert_file: certs/server.crt\n"
			    "  key_file: \"server.key\"\nbasic_auth_users:\n"
			    "  alice: " ALICE "\n  bob: '" BOB "'\n"), 0);
	ASSERT_STREQ(wc.cert, "CERT\n");
	ASSERT_STREQ(wc.key, "KEY\n");
	ASSERT_EQ(wc.nr_users, 2);
	ASSERT_STREQ(wc.users[0].name, "alice");
	ASSERT_STREQ(wc.users[1].hash, BOB);
	ks_webconfig_free(&wc);
	ASSERT_TRUE(!wc.cert && !wc.users);
}

/* A file named without a directory: its files are where it is, the cwd. */
TEST(relative_to_a_file_in_the_cwd)
{
	struct ks_webconfig wc;
	char cwd[256];

	put("conf/certs/server.crt", "CERT2\n");
	put("conf/server.key", "KEY2\n");
	put("conf/web.yml", "tls_server_config:\n  cert_file: certs/server.crt\n"
	    "  key_file: server.key\n");
	ASSERT_TRUE(getcwd(cwd, sizeof(cwd)));
	ASSERT_EQ(chdir(at("conf")), 0);
	ASSERT_EQ(ks_webconfig_load(&wc, "web.yml", err, sizeof(err)), 0);
	ASSERT_EQ(chdir(cwd), 0);
	ASSERT_STREQ(wc.cert, "CERT2\n");
	ASSERT_STREQ(wc.key, "KEY2\n");
	ks_webconfig_free(&wc);
}

TEST(absolute_paths)
{
	struct ks_webconfig wc;
	char text[1024];

	put("abs.crt", "ABS CERT\n");
	put("abs.key", "ABS KEY\n");
	snprintf(text, sizeof(text), "tls_server_config:\n  cert_file: %s\n  key_file: %s\n",
		 at("abs.crt"), at("abs.key"));
	ASSERT_EQ(load_text(&wc, text), 0);
	ASSERT_STREQ(wc.cert, "ABS CERT\n");
	ASSERT_STREQ(wc.key, "ABS KEY\n");
	ASSERT_EQ(wc.nr_users, 0);
	ks_webconfig_free(&wc);
}

/* Each wrong file: -EINVAL, one line naming the file, its line and what. */
TEST(every_error_names_file_line_and_key)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "tls_server_confg:\n  cert_file: a\n", ":1: unknown key 'tls_server_confg'" },
		{ "basic_auth_users: {}\n\nfoo: 1\n", ":3: unknown key 'foo'" },
		{ "tls_server_config:\n  cert_file: c\n  key_fil: k\n",
		  ":3: unknown key 'key_fil' in tls_server_config" },
		{ "tls_server_config:\n  client_ca_file: ca.crt\n",
		  ":2: 'client_ca_file' is not supported: khoscope takes" },
		{ "http_server_config:\n  http2: false\n", ":1: 'http_server_config' is not supported" },
		{ "tls_server_config:\n  cert_file: server.crt\n",
		  ":2: tls_server_config has a cert_file but no key_file" },
		{ "tls_server_config:\n  cert_file:\n  key_file: server.key\n",
		  ":3: tls_server_config has a key_file but no cert_file" },
		{ "basic_auth_users:\n  alice: $1$abc$abcdefghijklmnopqrstuv\n",
		  ":2: the password of 'alice' is not a bcrypt hash" },
		{ "basic_auth_users:\n  alice: correct horse\n", ":2: the password of 'alice' is not" },
		{ "basic_auth_users:\n  alice: '$2y$03$UEqDpEyXVKgPOjKgVab0aOt6lFj62FZsnePqxmt0Bev2e4gysNh4u'\n",
		  ":2: the password of 'alice' is not" },
		{ "basic_auth_users:\n  alice: '$2y$32$UEqDpEyXVKgPOjKgVab0aOt6lFj62FZsnePqxmt0Bev2e4gysNh4u'\n",
		  ":2: the password of 'alice' is not" },
		{ "basic_auth_users:\n  alice: '$2x$04$UEqDpEyXVKgPOjKgVab0aOt6lFj62FZsnePqxmt0Bev2e4gysNh4u'\n",
		  ":2: the password of 'alice' is not" },
		{ "basic_auth_users:\n  alice: '$2y$04$UEqDpEyXVKgPOjKgVab0aOt6lFj62FZsnePqxmt0Bev2e4gysNh4'\n",
		  ":2: the password of 'alice' is not" },
		{ "basic_auth_users:\n  alice: [" ALICE "]\n", ":2: the password of 'alice' is not" },
		{ "basic_auth_users:\n  '': " ALICE "\n", ":2: a user of basic_auth_users has no name" },
		{ "basic_auth_users:\n  alice: " ALICE "\n  alice: " BOB "\n",
		  ":3: duplicate key 'alice' in basic_auth_users" },
		{ "basic_auth_users: {}\nbasic_auth_users: {}\n",
		  ":2: duplicate key 'basic_auth_users' in the web configuration" },
		{ "- tls_server_config\n", ":1: the web configuration must be a mapping" },
		{ "tls_server_config: yes\n", ":1: tls_server_config must be a mapping" },
		{ "basic_auth_users:\n  - alice\n", ":2: basic_auth_users must be a mapping" },
		{ "tls_server_config:\n  cert_file: [a, b]\n", ":2: cert_file must be a file name" },
		{ "tls_server_config:\n  [a]: b\n", ":2: a key of tls_server_config is not a string" },
		{ "basic_auth_users:\n  alice: \"" ALICE "\n", ":3: found unexpected end of stream while scanning a quoted scalar" },
		{ "tls_server_config:\n  cert_file: a\n key_file: b\n", ":3: did not find expected key" },
	};
	struct ks_webconfig wc;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int ret = load_text(&wc, bad[i].text);

		if (ret != -EINVAL || !strstr(err, at("conf/web.yml")) || !strstr(err, bad[i].msg) ||
		    strchr(err, '\n')) {
			FAIL_AT("case %u: %d \"%s\", expected -EINVAL and \"%s\"", i, ret, err,
				bad[i].msg);
			return;
		}
		ASSERT_TRUE(!wc.cert && !wc.key && !wc.users && !wc.nr_users);
	}
}

TEST(missing_file)
{
	struct ks_webconfig wc;
	char want[512];

	snprintf(want, sizeof(want), "cannot read --web-config '%s': No such file or directory",
		 at("nothere.yml"));
	ASSERT_EQ(ks_webconfig_load(&wc, at("nothere.yml"), err, sizeof(err)), -ENOENT);
	ASSERT_STREQ(err, want);
	ASSERT_EQ(ks_webconfig_load(&wc, dir, err, sizeof(err)), -EISDIR);
	ASSERT_TRUE(strstr(err, "Is a directory"));
}

/* A missing certificate is named by the path it was looked for at. */
TEST(missing_cert_or_key)
{
	struct ks_webconfig wc;
	char want[512];

	put("conf/server.key", "KEY\n");
	ASSERT_EQ(load_text(&wc, "tls_server_config:\n  cert_file: nothere.crt\n"
			    "  key_file: server.key\n"), -ENOENT);
	snprintf(want, sizeof(want), "cannot read cert_file '%s/conf/nothere.crt' of --web-config "
		 "%s/conf/web.yml: No such file or directory", dir, dir);
	ASSERT_STREQ(err, want);
	ASSERT_TRUE(!wc.cert && !wc.key);
	put("conf/server.crt", "CERT\n");
	ASSERT_EQ(load_text(&wc, "tls_server_config:\n  cert_file: server.crt\n"
			    "  key_file: ../nothere.key\n"), -ENOENT);
	ASSERT_TRUE(strstr(err, "cannot read key_file '"));
	ASSERT_TRUE(strstr(err, "/conf/../nothere.key' of --web-config"));
	ASSERT_TRUE(!wc.cert && !wc.key);
}

TEST(cert_too_large)
{
	struct ks_webconfig wc;
	char *big = malloc(KS_WEBCONFIG_MAX_FILE + 2);

	ASSERT_TRUE(big);
	memset(big, 'A', KS_WEBCONFIG_MAX_FILE + 1);
	big[KS_WEBCONFIG_MAX_FILE + 1] = '\0';
	put("conf/big.crt", big);
	big[KS_WEBCONFIG_MAX_FILE] = '\0';
	put("conf/max.crt", big);
	free(big);
	put("conf/server.key", "KEY\n");
	ASSERT_EQ(load_text(&wc, "tls_server_config:\n  cert_file: big.crt\n"
			    "  key_file: server.key\n"), -EFBIG);
	ASSERT_TRUE(strstr(err, "File too large"));
	ASSERT_EQ(load_text(&wc, "tls_server_config:\n  cert_file: max.crt\n"
			    "  key_file: server.key\n"), 0);
	ASSERT_EQ(strlen(wc.cert), KS_WEBCONFIG_MAX_FILE);
	ks_webconfig_free(&wc);
}

TEST(password_right_wrong_unknown_user)
{
	struct ks_webconfig wc;

	ASSERT_EQ(load_text(&wc, "basic_auth_users:\n  alice: " ALICE "\n  bob: " BOB "\n"), 0);
	ASSERT_TRUE(ks_webconfig_auth(&wc, "alice", "correct horse"));
	ASSERT_TRUE(ks_webconfig_auth(&wc, "bob", "battery staple"));
	ASSERT_TRUE(!ks_webconfig_auth(&wc, "alice", "correct horsE"));
	ASSERT_TRUE(!ks_webconfig_auth(&wc, "alice", "correct hors"));
	ASSERT_TRUE(!ks_webconfig_auth(&wc, "alice", ""));
	/* Another user's password is not theirs. */
	ASSERT_TRUE(!ks_webconfig_auth(&wc, "alice", "battery staple"));
	ASSERT_TRUE(!ks_webconfig_auth(&wc, "carol", "correct horse"));
	ASSERT_TRUE(!ks_webconfig_auth(&wc, "Alice", "correct horse"));
	ASSERT_TRUE(!ks_webconfig_auth(&wc, "", ""));
	ASSERT_TRUE(!ks_webconfig_auth(&wc, NULL, NULL));
	ASSERT_TRUE(!ks_webconfig_auth(&wc, "alice", NULL));
	ks_webconfig_free(&wc);
}

/* $2b$ and $2a$ hashes made by libxcrypt itself, as $2y$ by htpasswd. */
TEST(password_every_bcrypt_prefix)
{
	static const char *const prefixes[] = { "$2b$", "$2a$", "$2y$" };
	struct ks_webconfig wc;
	char text[256];
	unsigned int i;

	for (i = 0; i < 3; i++) {
		const char *hash = bcrypt_of(prefixes[i], "s3cret");

		ASSERT_TRUE(!strncmp(hash, prefixes[i], 4));
		snprintf(text, sizeof(text), "basic_auth_users:\n  alice: '%s'\n", hash);
		ASSERT_EQ(load_text(&wc, text), 0);
		ASSERT_TRUE(ks_webconfig_auth(&wc, "alice", "s3cret"));
		ASSERT_TRUE(!ks_webconfig_auth(&wc, "alice", "s3creT"));
		ks_webconfig_free(&wc);
	}
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The fastest of three checks of @user's password, in seconds. */
static double auth_time(const struct ks_webconfig *wc, const char *user)
{
	double best = 1e9, t;
	int i;

	for (i = 0; i < 3; i++) {
		t = seconds();
		ks_webconfig_auth(wc, user, "wrong");
		t = seconds() - t;
		if (t < best)
			best = t;
	}
	return best;
}

/* An unknown user takes a bcrypt too: the time does not tell who exists. */
TEST(unknown_user_costs_a_bcrypt)
{
	struct ks_webconfig wc;
	double known, unknown;

	/* htpasswd -nbB -C 8 alice 'correct horse' */
	ASSERT_EQ(load_text(&wc, "basic_auth_users:\n  alice: "
			    "$2y$08$HUp7S64Nz5Zew35Z0y2One1yWy1QTo5BSFW199vBvQdp8FEI4OX6S\n"), 0);
	known = auth_time(&wc, "alice");
	unknown = auth_time(&wc, "mallory");
	printf("    bcrypt at cost 8: %.1f ms for alice, %.1f ms for an unknown user\n",
	       known * 1e3, unknown * 1e3);
	ASSERT_TRUE(unknown > known / 2);
	ks_webconfig_free(&wc);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int main(int argc, char **argv)
{
	int ret;

	if (!mkdtemp(dir) || mkdir(at("conf"), 0755) || mkdir(at("conf/certs"), 0755)) {
		perror("test_webconfig: temporary directory");
		return 1;
	}
	ret = run_tests(argc > 1 ? argv[1] : NULL);
	nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return ret;
}
