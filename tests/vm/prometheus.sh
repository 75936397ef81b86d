# SPDX-License-Identifier: GPL-2.0
# khoscope serves /metrics (--prometheus 0.0.0.0:19464) over TLS with basic
# auth (--web-config) while the workload driver preserves known amounts.
# Run by tests/vm/prometheus.host, which makes the certificate, its key and
# the web configuration (vm-run --files), forwards a port on the host's
# 127.0.0.1 to 19464 here and runs a real Prometheus against it, over HTTPS
# with the credentials; when this log says "prometheus-scenario: serving"
# it checks that scrapes without them are refused, and it watches for
# "prometheus-scenario: workload done" to query Prometheus for the time
# just after it. busybox's wget here has no TLS (its TLS helper needs
# AF_UNIX, which this kernel lacks), so the guest checks the endpoint
# itself on a second khoscope, plain, on 127.0.0.1:9465 (text and
# OpenMetrics, 404, a scraper that hangs up mid-response), and that plain
# HTTP gets no answer from the TLS one; then --textfile. It logs the
# ground truth and khoscope's JSON for the host.
# khoscope-vm-append: test_kho.max_mem=4096
. "$KHOSCOPE_SCENARIO_DIR/common.sh"

FILES=$KHOSCOPE_SCENARIO_DIR/files
[ -f "$FILES/web.yml" ] || die "no $FILES/web.yml: tests/vm/prometheus.host runs this scenario"
URL=http://127.0.0.1:9465/metrics

wl_load
# gnutls seeds its generator with getrandom(), which waits for the kernel's
# to be ready: under TCG, without an RNG device, that comes seconds after
# boot. Wait for it here, so that the TLS khoscope counts from before the
# workload.
t0=$(date +%s)
dd if=/dev/random of=/dev/null bs=1 count=1 2>/dev/null
echo "prometheus-scenario: the kernel's random generator was ready after $(($(date +%s) - t0)) s"
# No interval: the one JSON record at the end covers the whole run, as the
# cumulative histograms do.
run=prom
khoscope --prometheus 0.0.0.0:19464 --web-config "$FILES/web.yml" --json \
	>/tmp/prom.out 2>/tmp/prom.err &
ks_pid=$!
khoscope --prometheus 127.0.0.1:9465 >/tmp/plain.out 2>/tmp/plain.err &
plain_pid=$!
i=0
until wget -q -O /tmp/first "$URL" 2>/dev/null || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
check_true "khoscope serves /metrics" test -s /tmp/first
check_true "the first scrape has the memory gauges" grep -q '^khoscope_preserved_keys{tree="1",role="outgoing",order="0"}' /tmp/first
# The TLS khoscope listens from its start (a connection waits until it
# serves): once it serves, it drops a plain HTTP request without an answer.
# (busybox's wget would crash on the 401 of a khoscope that did answer.)
i=0
until printf 'GET /metrics HTTP/1.0\r\n\r\n' | nc -w 30 127.0.0.1 19464 >/tmp/tls-plain 2>/dev/null ||
      [ $i -ge 300 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "plain HTTP to the TLS endpoint gets no HTTP answer" "$(head -c 5 /tmp/tls-plain)" ""
echo "prometheus-scenario: serving"

wl folios 512 0
wl folios 64 3 strided
wl folios 8 9 random
wl pages 300			# one batch: the dashboard's batched-keys query
wl unpreserve 25
cat "$WL/status"
radix_report >/tmp/walk
orders_of /tmp/walk >/tmp/walked
# Every preserve call since khoscope started was the driver's.
echo "prometheus-scenario: truth preserve_total=584 keys=$(unpairs /tmp/walked)"
echo "prometheus-scenario: workload done"

# Scrapes within a second share one exposition (the host's Prometheus
# scrapes too): wait it out.
sleep 1.1
wget -q -O /tmp/metrics "$URL"
check_true "a scrape after the workload" test -s /tmp/metrics
check "preserve calls in the scrape" \
	"$(sed -n 's/^khoscope_preserve_total{tree="1",role="outgoing",order="[0-9]*",result="ok"} //p' /tmp/metrics |
	   awk '{ n += $1 } END { print n + 0 }')" 584
wget -q -S --header 'Accept: application/openmetrics-text; version=1.0.0' -O /tmp/om "$URL" 2>/tmp/om.headers
check_true "OpenMetrics when asked for: its content type" \
	grep -qi 'Content-Type: application/openmetrics-text' /tmp/om.headers
check "OpenMetrics when asked for: ends with # EOF" "$(tail -n 1 /tmp/om)" "# EOF"
check_true "OpenMetrics names counter families without _total" \
	grep -qx '# TYPE khoscope_preserve counter' /tmp/om
if wget -q -O /tmp/nf http://127.0.0.1:9465/nothing 2>/tmp/nf.err; then
	check "another path is 404" 200 404
else
	check_true "another path is 404" grep -q 404 /tmp/nf.err
fi
# A scraper that hangs up mid-response does not stop khoscope.
for i in 1 2 3; do
	wget -q -O - "$URL" 2>/dev/null | head -c 100 >/dev/null
done
check_true "khoscope still serves after scrapers hung up" wget -q -O /tmp/after "$URL"
check_true "khoscope is still running" kill -0 "$plain_pid"
kill -INT "$plain_pid"
wait "$plain_pid"
check "the plain khoscope exits 0 on SIGINT" "$?" 0
check "the plain khoscope: nothing on stderr" "$(cat /tmp/plain.err)" ""

# Let the host's Prometheus scrape the final state a few times.
sleep 8
check_true "the TLS khoscope is still running" kill -0 "$ks_pid"
ks_stop
section metrics /tmp/metrics
section openmetrics /tmp/om

# --textfile: the same exposition, renamed into place at every report.
khoscope --textfile /tmp/khoscope.prom 1 >/tmp/tf.out 2>/tmp/tf.err &
tf_pid=$!
i=0
while [ ! -s /tmp/khoscope.prom ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 1
kill -INT "$tf_pid"
wait "$tf_pid"
check "textfile: khoscope exits 0" "$?" 0
check_true "textfile: written" test -s /tmp/khoscope.prom
check "textfile: no temporary file left" "$(ls /tmp | grep -c 'khoscope.prom.*tmp')" 0
check_true "textfile: has the walk's order-0 keys" \
	grep -q "^khoscope_preserved_keys{tree=\"1\",role=\"outgoing\",order=\"0\"} $(awk '$1 == 0 { print $2 }' /tmp/walked)\$" \
	/tmp/khoscope.prom
section textfile /tmp/khoscope.prom
finish
