/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel environment kernel/liveupdate/kho_radix_tree.c needs, for a
 * user-space build. Each shim header under linux/ and asm/ uses the real
 * header's include guard and includes this file.
 *
 * Memory is identity-mapped (virt_to_phys() is the pointer), pages come
 * from aligned_alloc() and are counted, and the Nth allocation can be made
 * to fail; see shim.c.
 */
#ifndef __KHO_SHIM_H
#define __KHO_SHIM_H

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;
typedef u64 phys_addr_t;
typedef unsigned int gfp_t;

#define PAGE_SHIFT		12
#define PAGE_SIZE		(1UL << PAGE_SHIFT)
#define BITS_PER_BYTE		8
#define BITS_PER_LONG		64
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define const_ilog2(n)		(63 - __builtin_clzll(n))
#define BIT(n)			(1UL << (n))
#define GFP_KERNEL		0u

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define __ref
#define __init
#define __initdata
#define EXPORT_SYMBOL_GPL(sym)
#define might_sleep()		do { } while (0)
#define typecheck(type, x)	1
#define READ_ONCE(x)		(*(const volatile typeof(x) *)&(x))
#define min(a, b)		((a) < (b) ? (a) : (b))

/* local_clock(): nanoseconds of CLOCK_MONOTONIC; see linux/sched/clock.h. */
u64 local_clock(void);

/* WARN_ON() and friends count instead of printing a backtrace. */
extern unsigned long shim_warnings;
void shim_warn(const char *file, int line, const char *cond);
#define WARN_ON(c) ({ int __c = !!(c); if (__c) shim_warn(__FILE__, __LINE__, #c); __c; })
#define WARN_ON_ONCE(c)	WARN_ON(c)

/* Identity mapping: a node's "physical address" is its pointer. */
static inline phys_addr_t virt_to_phys(const volatile void *p) { return (uintptr_t)p; }
static inline void *phys_to_virt(phys_addr_t p) { return (void *)(uintptr_t)p; }

/*
 * struct page: what the tree keeps of it, its private word. Each page the
 * shim allocates carries its struct page right behind it (see shim.c).
 */
struct page {
	unsigned long private;
};

static inline struct page *virt_to_page(const void *p)
{
	return (struct page *)(((uintptr_t)p & ~(PAGE_SIZE - 1)) + PAGE_SIZE);
}

#define page_private(page)		((page)->private)
#define set_page_private(page, v)	((page)->private = (v))

/* Page allocator: counted, can fail on demand. */
unsigned long get_zeroed_page(gfp_t gfp);
void free_page(unsigned long addr);
void *memblock_alloc(size_t size, size_t align);
void memblock_free(void *p, size_t size);
static inline bool slab_is_available(void) { return true; }

typedef struct { int counter; } atomic_t;
#define ATOMIC_INIT(i)		{ (i) }
static inline int atomic_read(const atomic_t *v) { return __atomic_load_n(&v->counter, __ATOMIC_SEQ_CST); }
static inline void atomic_set(atomic_t *v, int i) { __atomic_store_n(&v->counter, i, __ATOMIC_SEQ_CST); }
static inline void atomic_inc(atomic_t *v) { __atomic_add_fetch(&v->counter, 1, __ATOMIC_SEQ_CST); }
static inline void atomic_dec(atomic_t *v) { __atomic_sub_fetch(&v->counter, 1, __ATOMIC_SEQ_CST); }
static inline int atomic_inc_return(atomic_t *v) { return __atomic_add_fetch(&v->counter, 1, __ATOMIC_SEQ_CST); }

/* Bit operations on unsigned long bitmaps. */
static inline void __set_bit(unsigned long nr, volatile unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] |= 1UL << (nr % BITS_PER_LONG);
}

static inline void __clear_bit(unsigned long nr, volatile unsigned long *addr)
{
	addr[nr / BITS_PER_LONG] &= ~(1UL << (nr % BITS_PER_LONG));
}

static inline bool __test_and_set_bit(unsigned long nr, volatile unsigned long *addr)
{
	unsigned long mask = 1UL << (nr % BITS_PER_LONG), old = addr[nr / BITS_PER_LONG];

	addr[nr / BITS_PER_LONG] = old | mask;
	return old & mask;
}

static inline bool __test_and_clear_bit(unsigned long nr, volatile unsigned long *addr)
{
	unsigned long mask = 1UL << (nr % BITS_PER_LONG), old = addr[nr / BITS_PER_LONG];

	addr[nr / BITS_PER_LONG] = old & ~mask;
	return old & mask;
}

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline unsigned long shim_find_next_bit(const unsigned long *addr, unsigned long size,
					       unsigned long offset)
{
	while (offset < size) {
		unsigned long word = addr[offset / BITS_PER_LONG] >> (offset % BITS_PER_LONG);

		if (word)
			return offset + __builtin_ctzl(word);
		offset = (offset / BITS_PER_LONG + 1) * BITS_PER_LONG;
	}
	return size;
}

#define for_each_set_bit(bit, addr, size)				\
	for ((bit) = shim_find_next_bit((addr), (size), 0);		\
	     (bit) < (size);						\
	     (bit) = shim_find_next_bit((addr), (size), (bit) + 1))
#define for_each_set_bit_from(bit, addr, size)				\
	for ((bit) = shim_find_next_bit((addr), (size), (bit));		\
	     (bit) < (size);						\
	     (bit) = shim_find_next_bit((addr), (size), (bit) + 1))

/* Mutexes, and the guard()/scoped_guard() of linux/cleanup.h for them. */
struct mutex {
	pthread_mutex_t m;
};

#define __MUTEX_INITIALIZER(name) { .m = PTHREAD_MUTEX_INITIALIZER }
static inline void mutex_init(struct mutex *l) { pthread_mutex_init(&l->m, NULL); }
static inline void mutex_lock(struct mutex *l) { pthread_mutex_lock(&l->m); }
#ifdef SHIM_NO_LOCKDEP
static inline void mutex_unlock(struct mutex *l) { pthread_mutex_unlock(&l->m); }
#else
/* Tests widen the window after an unlock to let other threads in there. */
extern bool shim_yield_on_unlock;
static inline void mutex_unlock(struct mutex *l)
{
	pthread_mutex_unlock(&l->m);
	if (__atomic_load_n(&shim_yield_on_unlock, __ATOMIC_RELAXED))
		sched_yield();
}
#endif
static inline int mutex_trylock(struct mutex *l) { return !pthread_mutex_trylock(&l->m); }
/* Racy, as the kernel's is: a hint for whoever waits on it. */
static inline bool mutex_is_locked(struct mutex *l)
{
	if (pthread_mutex_trylock(&l->m))
		return true;
	pthread_mutex_unlock(&l->m);
	return false;
}
/*
 * A default mutex is busy for its owner too: good enough for asserting. The
 * benchmarks leave it out, as a kernel without CONFIG_LOCKDEP does.
 */
#ifdef SHIM_NO_LOCKDEP
#define lockdep_assert_held(l)	((void)(l))
#else
#define lockdep_assert_held(l)	assert(pthread_mutex_trylock(&(l)->m) == EBUSY)
#endif

typedef struct mutex *class_mutex_t;
static inline class_mutex_t class_mutex_constructor(struct mutex *l)
{
	mutex_lock(l);
	return l;
}

static inline void class_mutex_destructor(class_mutex_t *l)
{
	if (*l)
		mutex_unlock(*l);
}

#define __SHIM_PASTE(a, b)	a##b
#define __SHIM_ID(a, b)		__SHIM_PASTE(a, b)
#define guard(_name)							\
	class_##_name##_t __SHIM_ID(__guard_, __COUNTER__) __attribute__((unused)) \
	__attribute__((cleanup(class_##_name##_destructor))) =		\
	class_##_name##_constructor
#define scoped_guard(_name, args...)					\
	for (class_##_name##_t scope __attribute__((unused))		\
	     __attribute__((cleanup(class_##_name##_destructor))) =	\
	     class_##_name##_constructor(args), *__done = NULL;		\
	     !__done; __done = (void *)1)

#define BUILD_BUG_ON(c)		_Static_assert(!(c), #c)
#define IS_ERR(p)		((unsigned long)(p) >= (unsigned long)-4095)
#define PTR_ERR(p)		((long)(p))
#define ERR_PTR(e)		((void *)(long)(e))

#endif /* __KHO_SHIM_H */
