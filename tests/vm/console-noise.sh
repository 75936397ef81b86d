# SPDX-License-Identifier: GPL-2.0
# No kernel message can cut a line of a scenario's data. A second shell
# floods the kernel's log through /dev/kmsg (printk.devkmsg=on lifts the
# rate limit on it) while this one prints a long data section; the host
# (console-noise.check) finds every data line intact and in order, and the
# kernel's console showing the flood's messages from the same moment.
# khoscope-vm-append: printk.devkmsg=on
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

LINES=20000

# noise: log "khoscope-noise N" until /tmp/noise.stop exists, with the
# number logged so far in /tmp/noise.count.
noise() {
	i=0
	while [ ! -e /tmp/noise.stop ]; do
		echo "khoscope-noise $i" >/dev/kmsg
		i=$((i + 1))
		echo "$i" >/tmp/noise.count
	done
}

# noise_count: how many the flood has logged. The writer truncates the file
# before it writes the number: a read in between finds it empty, so read
# again.
noise_count() {
	n=
	while [ -z "$n" ]; do n=$(cat /tmp/noise.count); done
	echo "$n"
}

# Each line says its own number twice, around a payload that changes
# from line to line: a cut or a merge changes it.
awk -v n="$LINES" 'BEGIN {
	s = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	for (i = 0; i < n; i++)
		printf "line=%05d %s end=%05d\n", i, substr(s, 1 + i % 36, 26), i
}' >/tmp/data

echo 0 >/tmp/noise.count
noise &
noise_pid=$!
# Until the flood is under way.
i=0
while [ "$(noise_count)" -lt 20 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
before=$(noise_count)
section data /tmp/data
after=$(noise_count)
touch /tmp/noise.stop
wait "$noise_pid"
echo "console-noise: lines=$LINES noise_before=$before noise_after=$after"
check_true "the kernel logged while the data was printed" test "$after" -gt "$before"
finish
