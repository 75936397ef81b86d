// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* textfile.c - the exposition as a file for node_exporter, replaced atomically */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/stat.h>
#include "metrics.h"

/*
 * Create the temporary file beside @path that a write goes to first, with a
 * name no one can predict: mkstemp() opens it O_CREAT | O_EXCL, so a file
 * or symlink planted at that name makes it pick another, never follow it.
 * It is 0644 whatever the umask (node_exporter runs as another user).
 * Returns the descriptor (its name in *@tmp, to be freed) or -errno.
 */
static int textfile_create(const char *path, char **tmp)
{
	int fd, err;

	if (asprintf(tmp, "%s.XXXXXX", path) < 0)
		return -ENOMEM;
	fd = mkostemp(*tmp, O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		free(*tmp);
		return err;
	}
	if (fchmod(fd, 0644)) {
		err = -errno;
		close(fd);
		unlink(*tmp);
		free(*tmp);
		return err;
	}
	return fd;
}

int ks_check_textfile(const char *path)
{
	char *tmp;
	int fd = textfile_create(path, &tmp);

	if (fd < 0)
		return fd;
	close(fd);
	unlink(tmp);
	free(tmp);
	return 0;
}

int ks_write_textfile(const char *path, const struct ks_metrics *m)
{
	char *tmp;
	int fd = textfile_create(path, &tmp), err = 0;
	FILE *f;

	if (fd < 0)
		return fd;
	f = fdopen(fd, "w");
	if (!f) {
		err = -errno;
		close(fd);
		unlink(tmp);
		free(tmp);
		return err;
	}
	ks_print_metrics(f, m, false);
	if (fflush(f) || ferror(f) || fsync(fileno(f)))
		err = -errno ?: -EIO;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	free(tmp);
	return err;
}
