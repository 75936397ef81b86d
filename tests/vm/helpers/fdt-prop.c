// SPDX-License-Identifier: GPL-2.0
/*
 * fdt-prop - print a 32-bit property of a flattened device tree blob.
 *
 * Usage: fdt-prop BLOB /PATH/TO/NODE PROPERTY
 *
 * Reads KHO sub-FDTs from debugfs (for example test_kho's record of what it
 * preserved) so that VM scenarios can compare trace events with the truth.
 * Prints the value in decimal; exits 1 if the node or property is absent.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FDT_MAGIC	0xd00dfeed
#define FDT_BEGIN_NODE	1
#define FDT_END_NODE	2
#define FDT_PROP	3
#define FDT_NOP		4
#define FDT_END		9
#define MAX_BLOB	(4 << 20)
#define MAX_DEPTH	32

static uint32_t be32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return ntohl(v);
}

int main(int argc, char **argv)
{
	size_t path_len[MAX_DEPTH];
	char path[4096] = "";
	static unsigned char blob[MAX_BLOB];
	uint32_t off_struct, off_strings, size_struct, pos, end;
	size_t len;
	int depth = -1;
	FILE *f;

	if (argc != 4) {
		fprintf(stderr, "usage: %s BLOB /PATH/TO/NODE PROPERTY\n", argv[0]);
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	len = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	if (len < 40 || be32(blob) != FDT_MAGIC) {
		fprintf(stderr, "fdt-prop: %s is not a flattened device tree\n", argv[1]);
		return 2;
	}
	off_struct = be32(blob + 8);
	off_strings = be32(blob + 12);
	size_struct = be32(blob + 36);
	end = off_struct + size_struct;
	if (end > len || off_strings > len) {
		fprintf(stderr, "fdt-prop: %s is truncated\n", argv[1]);
		return 2;
	}

	for (pos = off_struct; pos + 4 <= end;) {
		uint32_t tag = be32(blob + pos);

		pos += 4;
		if (tag == FDT_BEGIN_NODE) {
			const char *name = (const char *)blob + pos;

			if (++depth >= MAX_DEPTH)
				return 2;
			path_len[depth] = strlen(path);
			if (depth > 0)
				snprintf(path + path_len[depth], sizeof(path) - path_len[depth],
					 "/%s", name);
			pos += (strnlen(name, end - pos) + 4) & ~3u;
		} else if (tag == FDT_END_NODE) {
			if (depth < 0)
				break;
			path[path_len[depth--]] = '\0';
		} else if (tag == FDT_PROP) {
			uint32_t plen = be32(blob + pos), nameoff = be32(blob + pos + 4);
			const char *pname = (const char *)blob + off_strings + nameoff;

			pos += 8;
			if (depth >= 0 && !strcmp(path, argv[2]) && !strcmp(pname, argv[3])) {
				if (plen != 4) {
					fprintf(stderr, "fdt-prop: %s is %u bytes, not 4\n", argv[3], plen);
					return 2;
				}
				/* KHO blobs store integers in the CPU's byte order. */
				uint32_t v;

				memcpy(&v, blob + pos, 4);
				printf("%u\n", v);
				return 0;
			}
			pos += (plen + 3) & ~3u;
		} else if (tag == FDT_NOP) {
			continue;
		} else {
			break;
		}
	}
	fprintf(stderr, "fdt-prop: %s: no property %s at %s\n", argv[1], argv[3], argv[2]);
	return 1;
}
