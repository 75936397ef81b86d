// SPDX-License-Identifier: GPL-2.0
/*
 * kho_workload - drive KHO preservations whose ground truth is known
 *
 * Root-only control through debugfs, /sys/kernel/debug/kho_workload/:
 *
 *   control  (write) one command per write:
 *     folios COUNT ORDER [contiguous|strided|random [THREADS]]
 *     pages COUNT          one range of COUNT pages, kho_preserve_pages()
 *     vmalloc BYTES        one vmalloc area, kho_preserve_vmalloc()
 *     unpreserve all|PERCENT
 *     absent COUNT         unpreserve COUNT order-0 folios that were never
 *                          preserved, in leaves that exist: a caller's
 *                          mistake KHO must report (-ENOENT in
 *                          kho_unpreserve_end) and survive
 *     record               describe what is preserved in a KHO subtree
 *     corrupt order|vmalloc|magic
 *                          damage the record as a buggy or hostile previous
 *                          kernel could: the first order-0 folio entry
 *                          claims order 3, the first vmalloc entry claims
 *                          more pages than its area has, or the magic is
 *                          wrong; the next kernel must refuse what is
 *                          wrong and touch nothing beyond it
 *     reserve_mem NAME fill|check
 *                          write a pfn pattern into the reserve_mem= region
 *                          NAME, or check it (-EIO if a page differs)
 *     warn                 a kernel warning (WARN()), nothing else: the
 *                          canary for the tests' checks that no warning
 *                          appeared (tests/vm/warn-canary.sh)
 *     tree COUNT ORDER     add COUNT keys of ORDER to a private radix tree
 *                          (created on first use; never handed over), so
 *                          that tracers see a second tree
 *     tree drop            destroy the private tree
 *   status   (read) ground truth: what is preserved now, per order
 *   tree     (read) a walk of the private tree, laid out like
 *            kho/out/radix_tree
 *   restore  (read) in the next kernel: what was restored and checked
 *
 * Every preserved page holds a pattern derived from its pfn. After a kexec,
 * loading the module again finds the record, restores every folio, range
 * and area with kho_restore_folio(), kho_restore_pages() and
 * kho_restore_vmalloc(), checks their order and content, and counts.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/count_zeros.h>
#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/kexec_handover.h>
#include <linux/kho_radix_tree.h>
#include <linux/kho/abi/kexec_handover.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#define WL_RECORD_NAME		"kho_workload"
#define WL_RECORD_MAGIC		0x6b686f776c726563ULL	/* "khowlrec" */
/* A record a load of the driver in this kernel has restored already. */
#define WL_RECORD_CONSUMED	0x6b686f776c646f6eULL	/* "khowldon" */
/* A record a load of the driver in this kernel found invalid. */
#define WL_RECORD_REFUSED	0x6b686f776c626164ULL	/* "khowlbad" */
#define WL_RECORD_VERSION	1
#define WL_MAX_THREADS		64
#define WL_MAX_COUNT		BIT(22)
#define WL_MAX_VMALLOC		(4UL << 30)
#define WL_NR_ORDERS		(MAX_PAGE_ORDER + 1)
#define WL_PATTERN_MUL		0x9e3779b97f4a7c15ULL
/*
 * Workloads are sized to fill memory on purpose: when it runs out, the
 * command fails with -ENOMEM instead of waking the OOM killer (allocations
 * retry hard but may fail), and it stops while WL_MIN_FREE is still free
 * (CMA excluded: the KHO scratch areas are CMA, which the driver's
 * unmovable pages cannot use), so that the rest of the system can still
 * fork a shell command.
 */
#define WL_GFP			(GFP_KERNEL | __GFP_NOWARN | __GFP_RETRY_MAYFAIL)
#define WL_MIN_FREE		(SZ_16M >> PAGE_SHIFT)

static bool wl_memory_low(unsigned long pages)
{
	long free = global_zone_page_state(NR_FREE_PAGES) -
		    global_zone_page_state(NR_FREE_CMA_PAGES);

	return free < (long)(pages + WL_MIN_FREE);
}

enum wl_type {
	WL_FOLIO = 1,
	WL_PAGES,
	WL_VMALLOC,
};

enum wl_layout {
	WL_CONTIGUOUS,
	WL_STRIDED,
	WL_RANDOM,
};

static const char *const wl_layout_names[] = {
	[WL_CONTIGUOUS]	= "contiguous",
	[WL_STRIDED]	= "strided",
	[WL_RANDOM]	= "random",
};

/* One preservation made by this module. */
struct wl_obj {
	struct list_head list;
	enum wl_type type;
	unsigned int order;		/* WL_FOLIO */
	unsigned long nr_pages;		/* WL_PAGES, WL_VMALLOC */
	struct folio *folio;		/* WL_FOLIO */
	struct page *page;		/* WL_PAGES: first page */
	void *vaddr;			/* WL_VMALLOC */
	struct kho_vmalloc vm;		/* WL_VMALLOC */
};

/* Ground truth: KHO keys and pages this module holds preserved, per order. */
struct wl_truth {
	unsigned long keys[WL_NR_ORDERS];
	unsigned long pages[WL_NR_ORDERS];
	unsigned long folios, ranges, vmallocs;
};

/* The record handed to the next kernel. */
struct wl_record_entry {
	u32 type;
	u32 order;
	u64 phys;
	u64 nr_pages;
	struct kho_vmalloc vm;
};

struct wl_record {
	u64 magic;
	u32 version;
	u32 nr_entries;
	struct wl_record_entry entries[];
};

/* What the next kernel found when it restored the record. */
struct wl_restore_report {
	/* found, consumed (by an earlier load), invalid, or NULL: none */
	const char *record;
	unsigned long objects, restored, failed;
	unsigned long pages_checked, bad_pages;
	unsigned long bad_struct_pages;
	unsigned long keys[WL_NR_ORDERS];
	unsigned long pages[WL_NR_ORDERS];
};

static DEFINE_MUTEX(wl_lock);	/* protects everything below */
static LIST_HEAD(wl_objs);
static unsigned long wl_nr_objs;
static struct wl_truth wl_truth;
static struct wl_record *wl_record;
static struct kho_radix_tree wl_tree;	/* private, for tracers' per-tree views */
static bool wl_tree_live;
static struct wl_restore_report wl_report;
static struct dentry *wl_dir;

static u64 wl_pattern(unsigned long pfn, unsigned int word)
{
	return (pfn + 1) * WL_PATTERN_MUL + word;
}

static void wl_fill_page(void *addr, unsigned long pfn)
{
	u64 *p = addr;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*p); i++)
		p[i] = wl_pattern(pfn, i);
}

static bool wl_check_page(const void *addr, unsigned long pfn)
{
	const u64 *p = addr;
	unsigned int i;

	for (i = 0; i < PAGE_SIZE / sizeof(*p); i++)
		if (p[i] != wl_pattern(pfn, i))
			return false;
	return true;
}

/* The keys kho_preserve_pages() makes for [pfn, pfn + nr): aligned blocks. */
static void wl_account_range(struct wl_truth *t, unsigned long pfn,
			     unsigned long nr, long sign)
{
	unsigned long end = pfn + nr;

	while (pfn < end) {
		unsigned int order = min(count_trailing_zeros(pfn), ilog2(end - pfn));

		t->keys[order] += sign;
		t->pages[order] += sign * (1L << order);
		pfn += 1UL << order;
	}
}

/*
 * The keys one preservation makes, by the KHO API's contract: a folio is one
 * key of its order; a range is split as kho_preserve_pages() does; a vmalloc
 * area is one order-0 key per page plus the chunk pages listing them (a new
 * chunk starts whenever one fills up). Used for the ground truth and again
 * for what the next kernel restored.
 */
static void wl_account_keys(struct wl_truth *t, enum wl_type type, unsigned int order,
			    unsigned long pfn, unsigned long nr_pages, long sign)
{
	unsigned long chunks;

	switch (type) {
	case WL_FOLIO:
		t->keys[order] += sign;
		t->pages[order] += sign * (1L << order);
		break;
	case WL_PAGES:
		wl_account_range(t, pfn, nr_pages, sign);
		break;
	case WL_VMALLOC:
		chunks = 1 + nr_pages / KHO_VMALLOC_SIZE;
		t->keys[0] += sign * (nr_pages + chunks);
		t->pages[0] += sign * (nr_pages + chunks);
		break;
	}
}

static void wl_account(struct wl_truth *t, const struct wl_obj *obj, long sign)
{
	switch (obj->type) {
	case WL_FOLIO:
		wl_account_keys(t, WL_FOLIO, obj->order, 0, 0, sign);
		t->folios += sign;
		break;
	case WL_PAGES:
		wl_account_keys(t, WL_PAGES, 0, page_to_pfn(obj->page), obj->nr_pages, sign);
		t->ranges += sign;
		break;
	case WL_VMALLOC:
		wl_account_keys(t, WL_VMALLOC, 0, 0, obj->nr_pages, sign);
		t->vmallocs += sign;
		break;
	}
}

static void wl_release(struct wl_obj *obj)
{
	unsigned long i;

	switch (obj->type) {
	case WL_FOLIO:
		folio_put(obj->folio);
		break;
	case WL_PAGES:
		for (i = 0; i < obj->nr_pages; i++)
			__free_page(obj->page + i);
		break;
	case WL_VMALLOC:
		vfree(obj->vaddr);
		break;
	}
	kfree(obj);
}

static void wl_unpreserve(struct wl_obj *obj)
{
	switch (obj->type) {
	case WL_FOLIO:
		kho_unpreserve_folio(obj->folio);
		break;
	case WL_PAGES:
		kho_unpreserve_pages(obj->page, obj->nr_pages);
		break;
	case WL_VMALLOC:
		kho_unpreserve_vmalloc(&obj->vm);
		break;
	}
}

static void wl_add(struct wl_obj *obj)
{
	mutex_lock(&wl_lock);
	list_add_tail(&obj->list, &wl_objs);
	wl_nr_objs++;
	wl_account(&wl_truth, obj, 1);
	mutex_unlock(&wl_lock);
}

/* Allocate and fill one folio; the caller preserves or frees it. */
static struct folio *wl_alloc_folio(unsigned int order)
{
	struct folio *folio;
	unsigned long i, pfn;

	if (wl_memory_low(1UL << order))
		return NULL;
	folio = folio_alloc(WL_GFP, order);
	if (!folio)
		return NULL;

	pfn = folio_pfn(folio);
	for (i = 0; i < folio_nr_pages(folio); i++)
		wl_fill_page(folio_address(folio) + i * PAGE_SIZE, pfn + i);

	return folio;
}

struct wl_folio_job {
	unsigned long count;
	unsigned int order;
	enum wl_layout layout;
	int err;
	struct completion done;
};

/*
 * Preserve job->count folios. The layout shapes the keys: strided keeps
 * every other allocation and random one in four picked at random, holding
 * the skipped folios until the end so that the allocator cannot hand them
 * back at once.
 */
static int wl_preserve_folios(struct wl_folio_job *job)
{
	unsigned int per_kept = job->layout == WL_STRIDED ? 2 :
				job->layout == WL_RANDOM ? 4 : 1;
	LIST_HEAD(skipped);
	struct folio *folio, *tmp;
	unsigned long n;
	int err = 0;

	for (n = 0; n < job->count && !err; n++) {
		unsigned int keep = per_kept > 1 ? get_random_u32_below(per_kept) : 0;
		unsigned int i;

		for (i = 0; i < per_kept; i++) {
			struct wl_obj *obj;

			folio = wl_alloc_folio(job->order);
			if (!folio) {
				pr_err("out of memory after %lu folios of order %u\n",
				       n, job->order);
				err = -ENOMEM;
				break;
			}
			if (i != keep) {
				list_add(&folio->lru, &skipped);
				continue;
			}

			obj = kzalloc_obj(*obj, WL_GFP);
			if (!obj) {
				folio_put(folio);
				err = -ENOMEM;
				break;
			}
			err = kho_preserve_folio(folio);
			if (err) {
				pr_err("kho_preserve_folio(order %u) failed: %d\n",
				       job->order, err);
				folio_put(folio);
				kfree(obj);
				break;
			}
			obj->type = WL_FOLIO;
			obj->order = job->order;
			obj->folio = folio;
			wl_add(obj);
		}
	}

	list_for_each_entry_safe(folio, tmp, &skipped, lru) {
		list_del(&folio->lru);
		folio_put(folio);
	}
	return err;
}

/*
 * For tests: worker threads wait this long between finishing their job and
 * exiting, which widens the window in which an unload could race with
 * their exit (tests/vm/workload-unload.sh).
 */
static unsigned int thread_exit_delay_ms;
module_param(thread_exit_delay_ms, uint, 0600);
MODULE_PARM_DESC(thread_exit_delay_ms,
		 "milliseconds a worker thread waits before it exits (tests)");

static int wl_folio_thread(void *data)
{
	struct wl_folio_job *job = data;

	job->err = wl_preserve_folios(job);
	msleep(READ_ONCE(thread_exit_delay_ms));
	/*
	 * The command waits for done, then the module may go: signal it from
	 * the kthread code, which does not return here.
	 */
	kthread_complete_and_exit(&job->done, 0);
}

static int wl_cmd_folios(unsigned long count, unsigned int order,
			 enum wl_layout layout, unsigned int threads)
{
	struct wl_folio_job *jobs;
	unsigned int t;
	int err = 0;

	if (threads == 1) {
		struct wl_folio_job job = {
			.count = count, .order = order, .layout = layout,
		};

		return wl_preserve_folios(&job);
	}

	jobs = kzalloc_objs(*jobs, threads);
	if (!jobs)
		return -ENOMEM;

	for (t = 0; t < threads; t++) {
		struct task_struct *task;

		jobs[t].count = count / threads + (t < count % threads);
		jobs[t].order = order;
		jobs[t].layout = layout;
		init_completion(&jobs[t].done);
		task = kthread_run(wl_folio_thread, &jobs[t], "kho_wl/%u", t);
		if (IS_ERR(task)) {
			jobs[t].err = PTR_ERR(task);
			complete(&jobs[t].done);
		}
	}
	for (t = 0; t < threads; t++) {
		wait_for_completion(&jobs[t].done);
		if (jobs[t].err && !err)
			err = jobs[t].err;
	}
	kfree(jobs);
	return err;
}

static int wl_cmd_pages(unsigned long count)
{
	unsigned int order = get_order(count * PAGE_SIZE);
	struct wl_obj *obj;
	struct page *page;
	unsigned long i;
	int err;

	obj = kzalloc_obj(*obj);
	if (!obj)
		return -ENOMEM;

	page = wl_memory_low(1UL << order) ? NULL : alloc_pages(WL_GFP, order);
	if (!page) {
		kfree(obj);
		return -ENOMEM;
	}
	/* Make every page its own, then give back what is beyond count. */
	split_page(page, order);
	for (i = count; i < (1UL << order); i++)
		__free_page(page + i);
	for (i = 0; i < count; i++)
		wl_fill_page(page_address(page + i), page_to_pfn(page) + i);

	err = kho_preserve_pages(page, count);
	if (err) {
		pr_err("kho_preserve_pages(%lu pages) failed: %d\n", count, err);
		for (i = 0; i < count; i++)
			__free_page(page + i);
		kfree(obj);
		return err;
	}
	obj->type = WL_PAGES;
	obj->page = page;
	obj->nr_pages = count;
	wl_add(obj);
	return 0;
}

static int wl_cmd_vmalloc(unsigned long bytes)
{
	struct wl_obj *obj;
	unsigned long i;
	int err;

	obj = kzalloc_obj(*obj);
	if (!obj)
		return -ENOMEM;

	obj->vaddr = wl_memory_low(PAGE_ALIGN(bytes) >> PAGE_SHIFT) ? NULL :
		     __vmalloc(bytes, WL_GFP);
	if (!obj->vaddr) {
		kfree(obj);
		return -ENOMEM;
	}
	obj->nr_pages = PAGE_ALIGN(bytes) >> PAGE_SHIFT;
	for (i = 0; i < obj->nr_pages; i++) {
		void *addr = obj->vaddr + i * PAGE_SIZE;

		wl_fill_page(addr, vmalloc_to_pfn(addr));
	}

	err = kho_preserve_vmalloc(obj->vaddr, &obj->vm);
	if (err) {
		pr_err("kho_preserve_vmalloc(%lu bytes) failed: %d\n", bytes, err);
		vfree(obj->vaddr);
		kfree(obj);
		return err;
	}
	obj->type = WL_VMALLOC;
	wl_add(obj);
	return 0;
}

static void wl_drop_record(void)
{
	if (!wl_record)
		return;
	kho_remove_subtree(wl_record);
	kho_unpreserve_free(wl_record);
	wl_record = NULL;
}

/*
 * Replace the record handed to the next kernel with the current objects.
 * The new record is built first: if that fails, the old one stays. Called
 * with wl_lock held.
 */
static int wl_write_record(void)
{
	struct wl_record *rec;
	struct wl_obj *obj;
	size_t size;
	u32 n = 0;
	int err;

	size = struct_size(rec, entries, wl_nr_objs);
	rec = kho_alloc_preserve(size);
	if (IS_ERR(rec)) {
		err = PTR_ERR(rec);
		pr_err("record of %lu objects (%zu bytes) failed: %d\n",
		       wl_nr_objs, size, err);
		return err;
	}
	rec->magic = WL_RECORD_MAGIC;
	rec->version = WL_RECORD_VERSION;
	list_for_each_entry(obj, &wl_objs, list) {
		struct wl_record_entry *e = &rec->entries[n++];

		e->type = obj->type;
		e->order = obj->order;
		e->nr_pages = obj->nr_pages;
		if (obj->type == WL_FOLIO)
			e->phys = PFN_PHYS(folio_pfn(obj->folio));
		else if (obj->type == WL_PAGES)
			e->phys = page_to_phys(obj->page);
		else
			e->vm = obj->vm;
	}
	rec->nr_entries = n;

	/* One subtree name: the old record goes just before the new one. */
	wl_drop_record();
	err = kho_add_subtree(WL_RECORD_NAME, rec, size);
	if (err) {
		pr_err("kho_add_subtree failed: %d; no record for the next kernel\n", err);
		kho_unpreserve_free(rec);
		return err;
	}
	wl_record = rec;
	pr_info("recorded %u objects for the next kernel\n", n);
	return 0;
}

static int wl_cmd_record(void)
{
	guard(mutex)(&wl_lock);
	return wl_write_record();
}

/* The first entry of the record of @type (and @order, for folios). */
static struct wl_record_entry *wl_record_find(enum wl_type type, u32 order)
{
	u32 i;

	for (i = 0; i < wl_record->nr_entries; i++) {
		struct wl_record_entry *e = &wl_record->entries[i];

		if (e->type == type && (type != WL_FOLIO || e->order == order))
			return e;
	}
	return NULL;
}

static int wl_cmd_corrupt(const char *what)
{
	struct wl_record_entry *e;

	guard(mutex)(&wl_lock);
	if (!wl_record) {
		pr_err("corrupt: no record\n");
		return -EINVAL;
	}
	if (!strcmp(what, "magic")) {
		wl_record->magic = ~WL_RECORD_MAGIC;
	} else if (!strcmp(what, "order")) {
		e = wl_record_find(WL_FOLIO, 0);
		if (!e) {
			pr_err("corrupt order: the record has no order-0 folio\n");
			return -EINVAL;
		}
		e->order = 3;
	} else if (!strcmp(what, "vmalloc")) {
		e = wl_record_find(WL_VMALLOC, 0);
		if (!e) {
			pr_err("corrupt vmalloc: the record has no vmalloc area\n");
			return -EINVAL;
		}
		e->nr_pages += 64;
	} else {
		pr_err("usage: corrupt order|vmalloc|magic\n");
		return -EINVAL;
	}
	pr_info("record corrupted: %s\n", what);
	return 0;
}

/* Unpreserve and free percent of the objects, spread evenly over them. */
static int wl_cmd_unpreserve(unsigned int percent)
{
	struct wl_obj *obj, *tmp;
	unsigned long i = 0, done = 0;
	bool recorded;

	mutex_lock(&wl_lock);
	if (!wl_nr_objs) {
		mutex_unlock(&wl_lock);
		pr_err("unpreserve: nothing is preserved\n");
		return -EINVAL;
	}
	/*
	 * A record naming objects that are about to be freed must never reach
	 * the next kernel: withdraw it now, write it again for what is left.
	 */
	recorded = wl_record;
	wl_drop_record();
	list_for_each_entry_safe(obj, tmp, &wl_objs, list) {
		/* Object i goes when the running share crosses an integer. */
		bool drop = ((i + 1) * percent) / 100 != (i * percent) / 100;

		i++;
		if (!drop)
			continue;
		wl_unpreserve(obj);
		wl_account(&wl_truth, obj, -1);
		list_del(&obj->list);
		wl_nr_objs--;
		wl_release(obj);
		done++;
	}
	pr_info("unpreserved %lu of %lu objects\n", done, i);
	if (recorded && wl_write_record())
		pr_err("the record was withdrawn and could not be written again: write 'record'\n");
	mutex_unlock(&wl_lock);
	return 0;
}

/*
 * Unpreserve folios that were never preserved, each right beside one that
 * is, so that its leaf exists: the tree must stay as it is, and each call
 * shows as kho_unpreserve_end with ret=-ENOENT. The neighbour is preserved
 * and unpreserved around it, so the ground truth does not move.
 */
static int wl_cmd_absent(unsigned long count)
{
	unsigned long i;
	int err;

	for (i = 0; i < count; i++) {
		struct page *page = alloc_pages(WL_GFP, 1);

		if (!page)
			return -ENOMEM;
		/* Two order-0 pages with adjacent pfns: always in one leaf. */
		split_page(page, 1);
		err = kho_preserve_folio(page_folio(page));
		if (!err) {
			kho_unpreserve_folio(page_folio(page + 1));
			kho_unpreserve_folio(page_folio(page));
		}
		__free_page(page);
		__free_page(page + 1);
		if (err)
			return err;
	}
	pr_info("unpreserved %lu folios that were never preserved\n", count);
	return 0;
}

/* The key of kho_encode_radix_key(): the order bit right above pfn >> order. */
static unsigned long wl_radix_key(unsigned long pfn, unsigned int order)
{
	return (1UL << (64 - PAGE_SHIFT - order)) | (pfn >> order);
}

/* Keys of a private tree name no memory: any pfns will do. */
#define WL_TREE_FIRST_PFN	0x100000UL

static int wl_cmd_tree(unsigned long count, unsigned int order)
{
	unsigned long i;
	int err;

	guard(mutex)(&wl_lock);
	if (!wl_tree_live) {
		err = kho_radix_init_tree(&wl_tree, NULL);
		if (err)
			return err;
		wl_tree_live = true;
	}
	for (i = 0; i < count; i++) {
		err = kho_radix_add_key(&wl_tree,
					wl_radix_key(WL_TREE_FIRST_PFN + (i << order), order));
		if (err)
			return err;
	}
	pr_info("private tree %u: added %lu keys of order %u\n", wl_tree.id, count, order);
	return 0;
}

static void wl_tree_drop(void)
{
	if (!wl_tree_live)
		return;
	kho_radix_destroy_tree(&wl_tree);
	wl_tree_live = false;
}

static int wl_parse_layout(const char *s, enum wl_layout *layout)
{
	int i = match_string(wl_layout_names, ARRAY_SIZE(wl_layout_names), s);

	if (i < 0)
		return -EINVAL;
	*layout = i;
	return 0;
}

/*
 * reserve_mem NAME fill|check: write the pfn pattern into the reserve_mem=
 * region NAME, or check that it is still there. A region handed over by
 * KHO belongs to its user before the restore walk runs: if the walk left
 * any of it to the page allocator, filling memory overwrites it.
 */
static int wl_cmd_reserve_mem(const char *name, bool fill)
{
	phys_addr_t start, size, off;
	unsigned long bad = 0;
	void *addr;

	if (!reserve_mem_find_by_name(name, &start, &size)) {
		pr_err("reserve_mem: no region '%s'\n", name);
		return -ENOENT;
	}
	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(size)) {
		pr_err("reserve_mem: region '%s' is not page-aligned\n", name);
		return -EINVAL;
	}
	addr = phys_to_virt(start);
	for (off = 0; off < size; off += PAGE_SIZE) {
		if (fill)
			wl_fill_page(addr + off, PHYS_PFN(start + off));
		else if (!wl_check_page(addr + off, PHYS_PFN(start + off)))
			bad++;
	}
	pr_info("reserve_mem: region '%s' [%pa+%pa] %s, %lu bad pages\n",
		name, &start, &size, fill ? "filled" : "checked", bad);
	return bad ? -EIO : 0;
}

#define WL_MAX_ARGS 5

static int wl_execute(int argc, char **argv)
{
	const char *cmd = argv[0];
	enum wl_layout layout = WL_CONTIGUOUS;
	unsigned long count;
	unsigned int order, threads = 1, percent;

	if (!strcmp(cmd, "folios")) {
		if (argc < 3 || argc > 5) {
			pr_err("usage: folios COUNT ORDER [contiguous|strided|random [THREADS]]\n");
			return -EINVAL;
		}
		if (kstrtoul(argv[1], 0, &count) || !count || count > WL_MAX_COUNT) {
			pr_err("folios: COUNT must be 1..%lu, not '%s'\n", WL_MAX_COUNT, argv[1]);
			return -EINVAL;
		}
		if (kstrtouint(argv[2], 0, &order) || order > MAX_PAGE_ORDER) {
			pr_err("folios: ORDER must be 0..%u, not '%s'\n", MAX_PAGE_ORDER, argv[2]);
			return -EINVAL;
		}
		if (argc > 3 && wl_parse_layout(argv[3], &layout)) {
			pr_err("folios: unknown layout '%s'\n", argv[3]);
			return -EINVAL;
		}
		if (argc > 4 && (kstrtouint(argv[4], 0, &threads) || !threads ||
				 threads > WL_MAX_THREADS || threads > count)) {
			pr_err("folios: THREADS must be 1..%u and at most COUNT, not '%s'\n",
			       WL_MAX_THREADS, argv[4]);
			return -EINVAL;
		}
		return wl_cmd_folios(count, order, layout, threads);
	}
	if (!strcmp(cmd, "pages")) {
		if (argc != 2 || kstrtoul(argv[1], 0, &count) || !count ||
		    count > MAX_ORDER_NR_PAGES) {
			pr_err("usage: pages COUNT (1..%lu)\n",
			       (unsigned long)MAX_ORDER_NR_PAGES);
			return -EINVAL;
		}
		return wl_cmd_pages(count);
	}
	if (!strcmp(cmd, "vmalloc")) {
		if (argc != 2 || kstrtoul(argv[1], 0, &count) || !count ||
		    count > WL_MAX_VMALLOC) {
			pr_err("usage: vmalloc BYTES (1..%lu)\n", WL_MAX_VMALLOC);
			return -EINVAL;
		}
		return wl_cmd_vmalloc(count);
	}
	if (!strcmp(cmd, "unpreserve")) {
		if (argc == 2 && !strcmp(argv[1], "all"))
			return wl_cmd_unpreserve(100);
		if (argc != 2 || kstrtouint(argv[1], 0, &percent) || !percent ||
		    percent > 100) {
			pr_err("usage: unpreserve all|PERCENT (1..100)\n");
			return -EINVAL;
		}
		return wl_cmd_unpreserve(percent);
	}
	if (!strcmp(cmd, "absent")) {
		if (argc != 2 || kstrtoul(argv[1], 0, &count) || !count ||
		    count > WL_MAX_COUNT) {
			pr_err("usage: absent COUNT (1..%lu)\n", WL_MAX_COUNT);
			return -EINVAL;
		}
		return wl_cmd_absent(count);
	}
	if (!strcmp(cmd, "tree")) {
		if (argc == 2 && !strcmp(argv[1], "drop")) {
			scoped_guard(mutex, &wl_lock)
				wl_tree_drop();
			return 0;
		}
		if (argc != 3 || kstrtoul(argv[1], 0, &count) || !count ||
		    count > WL_MAX_COUNT || kstrtouint(argv[2], 0, &order) ||
		    order >= WL_NR_ORDERS) {
			pr_err("usage: tree COUNT ORDER (1..%lu, 0..%u) | tree drop\n",
			       WL_MAX_COUNT, WL_NR_ORDERS - 1);
			return -EINVAL;
		}
		return wl_cmd_tree(count, order);
	}
	if (!strcmp(cmd, "record")) {
		if (argc != 1) {
			pr_err("usage: record\n");
			return -EINVAL;
		}
		return wl_cmd_record();
	}
	if (!strcmp(cmd, "corrupt")) {
		if (argc != 2) {
			pr_err("usage: corrupt order|vmalloc|magic\n");
			return -EINVAL;
		}
		return wl_cmd_corrupt(argv[1]);
	}
	if (!strcmp(cmd, "reserve_mem")) {
		if (argc != 3 || (strcmp(argv[2], "fill") && strcmp(argv[2], "check"))) {
			pr_err("usage: reserve_mem NAME fill|check\n");
			return -EINVAL;
		}
		return wl_cmd_reserve_mem(argv[1], !strcmp(argv[2], "fill"));
	}
	if (!strcmp(cmd, "warn")) {
		if (argc != 1) {
			pr_err("usage: warn\n");
			return -EINVAL;
		}
		WARN(1, "kho_workload: warning on request\n");
		return 0;
	}
	pr_err("unknown command '%s' (folios, pages, vmalloc, unpreserve, absent, tree, record, corrupt, reserve_mem, warn)\n",
	       cmd);
	return -EINVAL;
}

static ssize_t wl_control_write(struct file *file, const char __user *ubuf,
				size_t len, loff_t *ppos)
{
	char *argv[WL_MAX_ARGS + 1];
	char *buf, *cur, *tok;
	int argc = 0, err;

	if (len > 256)
		return -EINVAL;
	buf = memdup_user_nul(ubuf, len);
	if (IS_ERR(buf))
		return PTR_ERR(buf);

	cur = strim(buf);
	while ((tok = strsep(&cur, " \t\n")) != NULL) {
		if (!*tok)
			continue;
		if (argc == ARRAY_SIZE(argv)) {
			pr_err("too many arguments\n");
			kfree(buf);
			return -EINVAL;
		}
		argv[argc++] = tok;
	}
	if (!argc) {
		pr_err("empty command\n");
		kfree(buf);
		return -EINVAL;
	}

	err = wl_execute(argc, argv);
	kfree(buf);
	return err ? err : len;
}

static const struct file_operations wl_control_fops = {
	.owner	= THIS_MODULE,
	.write	= wl_control_write,
	.llseek	= noop_llseek,
};

static void wl_show_orders(struct seq_file *m, const unsigned long *keys,
			   const unsigned long *pages)
{
	unsigned int o;

	for (o = 0; o < WL_NR_ORDERS; o++)
		if (keys[o])
			seq_printf(m, "order=%u keys=%lu pages=%lu\n", o, keys[o], pages[o]);
}

static int wl_status_show(struct seq_file *m, void *v)
{
	unsigned long keys = 0, pages = 0;
	unsigned int o;

	mutex_lock(&wl_lock);
	for (o = 0; o < WL_NR_ORDERS; o++) {
		keys += wl_truth.keys[o];
		pages += wl_truth.pages[o];
	}
	seq_printf(m, "objects=%lu folios=%lu ranges=%lu vmallocs=%lu keys=%lu pages=%lu bytes=%lu recorded=%u\n",
		   wl_nr_objs, wl_truth.folios, wl_truth.ranges, wl_truth.vmallocs,
		   keys, pages, pages * PAGE_SIZE, wl_record ? wl_record->nr_entries : 0);
	wl_show_orders(m, wl_truth.keys, wl_truth.pages);
	mutex_unlock(&wl_lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wl_status);

struct wl_tree_shape {
	unsigned long keys[KHO_RADIX_KEY_WIDTH];
	unsigned long nodes[KHO_TREE_MAX_DEPTH];
};

static int wl_tree_leaf(unsigned long key, void *data)
{
	struct wl_tree_shape *shape = data;

	shape->keys[64 - PAGE_SHIFT - (fls64(key) - 1)]++;
	return 0;
}

static int wl_tree_node(phys_addr_t phys, unsigned int level, void *data)
{
	struct wl_tree_shape *shape = data;

	shape->nodes[level]++;
	return 0;
}

static int wl_tree_show(struct seq_file *m, void *v)
{
	const struct kho_radix_walk_cb cb = { .leaf = wl_tree_leaf, .node = wl_tree_node };
	unsigned long keys = 0, pages = 0, nodes = 0;
	struct wl_tree_shape *shape;
	unsigned int i;
	u64 gen;
	int err;

	mutex_lock(&wl_lock);
	if (!wl_tree_live) {
		mutex_unlock(&wl_lock);
		return -ENOENT;
	}
	shape = kzalloc_obj(*shape);
	err = shape ? kho_radix_walk_tree_gen(&wl_tree, &cb, shape, &gen) : -ENOMEM;
	if (!err) {
		for (i = 0; i < ARRAY_SIZE(shape->keys); i++) {
			keys += shape->keys[i];
			pages += shape->keys[i] << i;
		}
		for (i = 0; i < ARRAY_SIZE(shape->nodes); i++)
			nodes += shape->nodes[i];
		seq_printf(m, "tree=%u gen=%llu keys=%lu pages=%lu nodes=%lu node_bytes=%lu\n",
			   wl_tree.id, gen, keys, pages, nodes, nodes * PAGE_SIZE);
		for (i = ARRAY_SIZE(shape->nodes); i-- > 0;)
			seq_printf(m, "level=%u nodes=%lu bytes=%lu\n", i, shape->nodes[i],
				   shape->nodes[i] * PAGE_SIZE);
		for (i = 0; i < ARRAY_SIZE(shape->keys); i++)
			if (shape->keys[i])
				seq_printf(m, "order=%u keys=%lu pages=%lu bytes=%lu\n", i,
					   shape->keys[i], shape->keys[i] << i,
					   (shape->keys[i] << i) * PAGE_SIZE);
	}
	mutex_unlock(&wl_lock);
	kfree(shape);
	return err;
}
DEFINE_SHOW_ATTRIBUTE(wl_tree);

static int wl_restore_show(struct seq_file *m, void *v)
{
	const struct wl_restore_report *r = &wl_report;

	seq_printf(m, "record=%s objects=%lu restored=%lu failed=%lu pages_checked=%lu bad_pages=%lu bad_struct_pages=%lu\n",
		   r->record ?: "none", r->objects, r->restored, r->failed,
		   r->pages_checked, r->bad_pages, r->bad_struct_pages);
	wl_show_orders(m, r->keys, r->pages);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(wl_restore);

/* Check every page of a restored object against its pfn's pattern. */
static void wl_check_range(struct wl_restore_report *r, void *addr,
			   unsigned long pfn, unsigned long nr, bool *ok)
{
	unsigned long i;

	for (i = 0; i < nr; i++) {
		r->pages_checked++;
		if (!wl_check_page(addr + i * PAGE_SIZE, pfn + i)) {
			r->bad_pages++;
			*ok = false;
		}
	}
}

/*
 * Check the struct pages of a restored object: each page in the zone and on
 * the node of its first page, a zone that spans it, and the reference count
 * a restore gives (0 for a folio's tails, 1 otherwise). With deferred struct
 * page init the next kernel's walk initializes only the heads: a tail that
 * nobody initialized afterwards fails here.
 */
static void wl_check_struct_pages(struct wl_restore_report *r,
				  struct page *first, unsigned long nr,
				  bool folio, bool *ok)
{
	unsigned long pfn = page_to_pfn(first), i;
	struct zone *zone = page_zone(first);
	int nid = page_to_nid(first);

	for (i = 0; i < nr; i++) {
		struct page *page = pfn_to_page(pfn + i);
		int ref = folio && i ? 0 : 1;

		if (page_zone(page) == zone && page_to_nid(page) == nid &&
		    zone_spans_pfn(zone, pfn + i) && !PageReserved(page) &&
		    page_ref_count(page) == ref)
			continue;
		if (!r->bad_struct_pages++)
			pr_err("struct page of pfn %#lx: zone %d node %d refcount %d flags %#lx, expected zone %d node %d refcount %d\n",
			       pfn + i, page_zonenum(page), page_to_nid(page),
			       page_ref_count(page), page->flags.f,
			       zone_idx(zone), nid, ref);
		*ok = false;
	}
}

static bool wl_restore_entry(struct wl_restore_report *r,
			     const struct wl_record_entry *e)
{
	struct wl_truth t = {};
	struct folio *folio;
	struct page *page;
	unsigned long i;
	bool ok = true;
	void *vaddr;

	switch (e->type) {
	case WL_FOLIO:
		folio = kho_restore_folio(e->phys);
		if (!folio) {
			pr_err("folio at %pa not restored\n", &e->phys);
			return false;
		}
		/* The record may lie: never check beyond the folio. */
		if (folio_order(folio) != e->order) {
			pr_err("folio at %pa: order %u, the record says %u: refused\n",
			       &e->phys, folio_order(folio), e->order);
			folio_put(folio);
			return false;
		}
		wl_check_struct_pages(r, &folio->page, folio_nr_pages(folio),
				      true, &ok);
		wl_check_range(r, folio_address(folio), folio_pfn(folio),
			       folio_nr_pages(folio), &ok);
		folio_put(folio);
		break;
	case WL_PAGES:
		page = kho_restore_pages(e->phys, e->nr_pages);
		if (!page) {
			pr_err("%llu pages at %pa not restored\n", e->nr_pages, &e->phys);
			return false;
		}
		wl_check_struct_pages(r, page, e->nr_pages, false, &ok);
		wl_check_range(r, page_address(page), page_to_pfn(page), e->nr_pages, &ok);
		for (i = 0; i < e->nr_pages; i++)
			__free_page(page + i);
		break;
	case WL_VMALLOC:
		vaddr = kho_restore_vmalloc(&e->vm);
		if (!vaddr) {
			pr_err("vmalloc area of %llu pages not restored\n", e->nr_pages);
			return false;
		}
		/* Never check beyond the area that was restored. */
		if (e->vm.total_pages != e->nr_pages) {
			pr_err("vmalloc area: %u pages, the record says %llu: refused\n",
			       e->vm.total_pages, e->nr_pages);
			vfree(vaddr);
			return false;
		}
		for (i = 0; i < e->vm.total_pages; i++) {
			void *addr = vaddr + i * PAGE_SIZE;

			wl_check_range(r, addr, vmalloc_to_pfn(addr), 1, &ok);
		}
		vfree(vaddr);
		break;
	default:
		pr_err("record entry of unknown type %u\n", e->type);
		return false;
	}
	if (ok) {
		wl_account_keys(&t, e->type, e->order, PHYS_PFN(e->phys), e->nr_pages, 1);
		for (i = 0; i < WL_NR_ORDERS; i++) {
			r->keys[i] += t.keys[i];
			r->pages[i] += t.pages[i];
		}
	}
	return ok;
}

/*
 * The record is read once per boot. Its folio, valid or not, is taken back
 * with kho_restore_folio() (counted in MemTotal again) and kept, not freed:
 * a later load of the driver (after rmmod) finds the same subtree, and must
 * read the driver's own memory, not memory given back to the allocator.
 * That load sees the magic this one left and restores nothing twice. The
 * cost is the record's pages for this boot. (Left alone, an invalid
 * record's folio would stay reserved for good, owned by no one.)
 */
static void wl_restore(void)
{
	struct wl_restore_report *r = &wl_report;
	struct wl_record *rec;
	struct folio *folio;
	phys_addr_t phys;
	size_t size;
	u32 i;
	int err;

	err = kho_retrieve_subtree(WL_RECORD_NAME, &phys, &size);
	if (err) {
		if (err != -ENOENT)
			pr_err("cannot retrieve the record: %d\n", err);
		return;
	}
	rec = phys_to_virt(phys);
	if (size >= sizeof(rec->magic) &&
	    (rec->magic == WL_RECORD_CONSUMED || rec->magic == WL_RECORD_REFUSED)) {
		bool refused = rec->magic == WL_RECORD_REFUSED;

		r->record = refused ? "invalid" : "consumed";
		pr_info("record at %pa was %s by an earlier load: nothing to restore\n",
			&phys, refused ? "refused" : "restored");
		return;
	}
	folio = kho_restore_folio(phys);
	if (!folio) {
		pr_err("record at %pa could not be restored\n", &phys);
		return;
	}
	if (size < sizeof(*rec) || size > folio_size(folio) ||
	    rec->magic != WL_RECORD_MAGIC || rec->version != WL_RECORD_VERSION ||
	    size < struct_size(rec, entries, rec->nr_entries)) {
		r->record = "invalid";
		pr_err("record at %pa is not valid: refused, its %zu bytes kept for this boot\n",
		       &phys, folio_size(folio));
		rec->magic = WL_RECORD_REFUSED;
		return;
	}

	r->record = "found";
	for (i = 0; i < rec->nr_entries; i++) {
		r->objects++;
		if (wl_restore_entry(r, &rec->entries[i]))
			r->restored++;
		else
			r->failed++;
	}
	pr_info("restored %lu of %lu objects, %lu failed, %lu pages checked, %lu bad\n",
		r->restored, r->objects, r->failed, r->pages_checked, r->bad_pages);
	rec->magic = WL_RECORD_CONSUMED;
}

static int __init wl_init(void)
{
	if (!kho_is_enabled()) {
		pr_err("KHO is disabled: boot with kho=on\n");
		return -EOPNOTSUPP;
	}

	wl_restore();

	wl_dir = debugfs_create_dir("kho_workload", NULL);
	debugfs_create_file("control", 0200, wl_dir, NULL, &wl_control_fops);
	debugfs_create_file("status", 0400, wl_dir, NULL, &wl_status_fops);
	debugfs_create_file("restore", 0400, wl_dir, NULL, &wl_restore_fops);
	debugfs_create_file("tree", 0400, wl_dir, NULL, &wl_tree_fops);
	return 0;
}

static void __exit wl_exit(void)
{
	struct wl_obj *obj, *tmp;

	debugfs_remove_recursive(wl_dir);
	mutex_lock(&wl_lock);
	wl_drop_record();
	wl_tree_drop();
	list_for_each_entry_safe(obj, tmp, &wl_objs, list) {
		wl_unpreserve(obj);
		list_del(&obj->list);
		wl_release(obj);
	}
	mutex_unlock(&wl_lock);
}

module_init(wl_init);
module_exit(wl_exit);

MODULE_DESCRIPTION("KHO preservation workloads with known ground truth");
MODULE_LICENSE("GPL");
