/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal unit-test harness: TEST(name) defines a test, ASSERT_*() check
 * inside it, RUN_TESTS() runs them all and prints "N passed, N failed".
 */
#ifndef __KHOSCOPE_TEST_H
#define __KHOSCOPE_TEST_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define MAX_TESTS 256
static struct test_case tests[MAX_TESTS];
static int nr_tests;
static int test_failed;

#define TEST(tname)							\
	static void test_##tname(void);					\
	__attribute__((constructor)) static void register_##tname(void)	\
	{								\
		tests[nr_tests].name = #tname;				\
		tests[nr_tests++].fn = test_##tname;			\
	}								\
	static void test_##tname(void)

#define FAIL_AT(fmt, ...) do {						\
		printf("    %s:%d: " fmt "\n", __FILE__, __LINE__, ##__VA_ARGS__); \
		test_failed = 1;					\
	} while (0)

#define ASSERT_TRUE(c) do { if (!(c)) { FAIL_AT("expected %s", #c); return; } } while (0)
#define ASSERT_EQ(a, b) do {						\
		unsigned long long __a = (unsigned long long)(a), __b = (unsigned long long)(b); \
		if (__a != __b) {					\
			FAIL_AT("%s == %llu, expected %s == %llu", #a, __a, #b, __b); \
			return;						\
		}							\
	} while (0)
#define ASSERT_STREQ(a, b) do {						\
		if (strcmp((a), (b))) {					\
			FAIL_AT("\"%s\" != \"%s\"", (a), (b));		\
			return;						\
		}							\
	} while (0)

static inline int run_tests(const char *filter)
{
	int i, passed = 0, failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < nr_tests; i++) {
		if (filter && !strstr(tests[i].name, filter))
			continue;
		test_failed = 0;
		tests[i].fn();
		printf("%s %s\n", test_failed ? "FAIL" : "PASS", tests[i].name);
		if (test_failed)
			failed++;
		else
			passed++;
	}
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

#endif /* __KHOSCOPE_TEST_H */
