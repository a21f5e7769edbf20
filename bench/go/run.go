package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

type options struct {
	root, kubeBin, results, label, command string
	api                                    string
	classpath, defaultJavaOpts             string
	runs, pods, rate, maxInFlight          int
	duration, outage                       time.Duration
	wrkThreads                             int
}

// bench holds what one scenario shares across its runs.
type bench struct {
	o        options
	dir      string
	load     *LoadMonitor
	cluster  *Cluster
	recv     *Proc
	recvBase string
}

// Run is one run's figures (used for the summary) and details (kept in the JSON only).
type Run struct {
	Run     int                `json:"run"`
	Metrics map[string]float64 `json:"metrics"`
	Details map[string]any     `json:"details,omitempty"`
	Load    LoadReport         `json:"other_load"`
}

// Target is a figure to summarise and, when goal is set, the target for it.
type Target struct {
	Metric string
	Label  string
	Unit   string
	Goal   *Goal
}

type Goal struct {
	AtMost bool
	Limit  float64
}

func atMost(v float64) *Goal  { return &Goal{true, v} }
func atLeast(v float64) *Goal { return &Goal{false, v} }

type SummaryRow struct {
	Metric string  `json:"metric"`
	Label  string  `json:"label"`
	Unit   string  `json:"unit"`
	Min    float64 `json:"min"`
	Median float64 `json:"median"`
	Max    float64 `json:"max"`
	Target string  `json:"target,omitempty"`
	Met    string  `json:"met,omitempty"`
}

type Result struct {
	Scenario string         `json:"scenario"`
	Label    string         `json:"label,omitempty"`
	Started  string         `json:"started"`
	Command  string         `json:"command"`
	JavaOpts string         `json:"k8vent_java_opts"`
	Machine  map[string]any `json:"machine"`
	Versions map[string]any `json:"versions"`
	Settings map[string]any `json:"settings"`
	Runs     []Run          `json:"runs"`
	Summary  []SummaryRow   `json:"summary"`
}

var scenarios = []string{"sync-10k", "sync-50k", "churn", "ceiling", "startup", "outage", "floor", "jmh"}

func runMain(args []string) error {
	if len(args) < 1 {
		return fmt.Errorf("usage: k8bench run SCENARIO [flags]; scenarios: %s, all", strings.Join(scenarios, ", "))
	}
	scenario := args[0]
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	var o options
	fs.StringVar(&o.root, "root", ".", "k8vent checkout")
	fs.StringVar(&o.kubeBin, "kube-bin", "", "directory with kube-apiserver and etcd")
	fs.StringVar(&o.results, "results", "bench/results", "where result files go")
	fs.StringVar(&o.label, "label", "", "added to the result file name, e.g. before or after")
	fs.StringVar(&o.command, "command", strings.Join(os.Args, " "), "the command line to record")
	fs.StringVar(&o.classpath, "classpath", "", "test classpath (ceiling and jmh)")
	fs.StringVar(&o.defaultJavaOpts, "default-java-opts", "", "bin/k8vent's default K8VENT_JAVA_OPTS")
	fs.StringVar(&o.api, "api", "real", "API server for sync, churn and startup: real (etcd + kube-apiserver) or mock (k8bench mockapi)")
	fs.IntVar(&o.runs, "runs", 3, "runs per scenario (JMH: forks)")
	fs.IntVar(&o.pods, "pods", 0, "pods (default: the scenario's)")
	fs.IntVar(&o.rate, "rate", 1000, "churn: updates per second")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "churn: how long")
	fs.DurationVar(&o.outage, "outage", 5*time.Minute, "outage: how long the webhook is down from k8vent's start")
	fs.IntVar(&o.maxInFlight, "max-in-flight", 8, "k8vent --max-in-flight, and wrk's connections")
	fs.IntVar(&o.wrkThreads, "wrk-threads", 1, "ceiling: wrk threads")
	_ = fs.Parse(args[1:])
	if o.runs < 1 {
		return errors.New("--runs must be at least 1")
	}
	if o.api != "real" && o.api != "mock" {
		return fmt.Errorf("--api must be real or mock, not %q", o.api)
	}
	list := []string{scenario}
	if scenario == "all" {
		list = scenarios
	}
	for _, s := range list {
		if err := runScenario(s, o); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
	}
	return nil
}

func runScenario(scenario string, o options) error {
	dir, err := os.MkdirTemp("", "k8bench-"+scenario+"-")
	if err != nil {
		return err
	}
	b := &bench{o: o, dir: dir, load: newLoadMonitor()}
	defer func() {
		stopAll()
		os.RemoveAll(dir)
	}()
	stopOnSignal(func() { os.RemoveAll(dir) })
	started := time.Now()
	var runs []Run
	var targets []Target
	settings := map[string]any{"runs": o.runs}
	if scenario != "ceiling" && scenario != "jmh" {
		settings["api"] = o.api
	}
	switch scenario {
	case "sync-10k", "sync-50k":
		pods := map[string]int{"sync-10k": 10000, "sync-50k": 50000}[scenario]
		if o.pods > 0 {
			pods = o.pods
		}
		settings["pods"] = pods
		settings["max_in_flight"] = o.maxInFlight
		limit := 128.0
		// The initial-sync targets (10,000 pods): 1.2× the Go original's rate on this machine, and its CPU per pod.
		var rate, cpuPerPod *Goal = atLeast(3000), atMost(0.35)
		if pods > 10000 {
			limit = 256
			rate, cpuPerPod = nil, nil
		}
		runs, err = b.sync(pods)
		targets = []Target{
			{"peak_rss_mib", "peak RSS (VmHWM)", "MiB", atMost(limit)},
			{"all_delivered_s", "start → all initial deliveries", "s", nil},
			{"ready_s", "start → /readyz 200", "s", nil},
			{"deliveries_per_s", "deliveries/s (first → last delivery)", "1/s", nil},
			{"sync_per_s", "pods/s (start → all initial deliveries)", "1/s", rate},
			{"max_queue_depth", "max queue depth seen", "pods", nil},
			{"k8vent_cpu_s", "k8vent CPU time", "s", nil},
			{"k8vent_cpu_ms_per_delivery", "k8vent CPU per delivery (from process start)", "ms", cpuPerPod},
		}
	case "churn":
		pods := 1000
		if o.pods > 0 {
			pods = o.pods
		}
		settings["pods"], settings["rate"], settings["duration"] = pods, o.rate, o.duration.String()
		settings["max_in_flight"] = o.maxInFlight
		runs, err = b.churn(pods)
		targets = []Target{
			{"latency_p50_ms", "write → webhook p50", "ms", nil},
			{"latency_p99_ms", "write → webhook p99 (whole run, from a cold start)", "ms", atMost(50)},
			{"latency_p99_after_10s_ms", "write → webhook p99, writes after the first 10 s", "ms", atMost(50)},
			{"latency_max_ms", "write → webhook max", "ms", nil},
			{"lost", "pods whose last state did not arrive", "pods", atMost(0)},
			{"out_of_order", "states received out of order", "", atMost(0)},
			{"achieved_rate", "API writes/s achieved", "1/s", atLeast(float64(o.rate) * 0.98)},
			{"api_write_p99_ms", "API write p99 (part of the latency)", "ms", nil},
			{"peak_rss_mib", "peak RSS (VmHWM)", "MiB", nil},
			{"rss_slope_mib_per_min", "RSS trend during churn", "MiB/min", nil},
			{"k8vent_cores", "k8vent CPU during churn", "cores", nil},
			{"k8vent_cpu_ms_per_delivery", "k8vent CPU per delivery during churn (to the last delivery)", "ms", nil},
			{"cluster_cores", "API server CPU during churn (etcd + kube-apiserver, or the mock)", "cores", nil},
		}
	case "ceiling":
		settings["max_in_flight"], settings["wrk_threads"] = o.maxInFlight, o.wrkThreads
		runs, err = b.ceiling()
		targets = []Target{
			{"engine_per_s", "k8vent engine deliveries/s", "1/s", atLeast(5000)},
			{"receiver_ceiling_per_s", "receiver ceiling (wrk) requests/s", "1/s", nil},
			{"ratio", "engine / ceiling", "", atLeast(0.6)},
			{"engine_cores", "engine JVM CPU", "cores", nil},
			{"receiver_cores_engine", "receiver CPU while fed by k8vent", "cores", nil},
			{"receiver_cores_wrk", "receiver CPU while fed by wrk", "cores", nil},
		}
	case "startup":
		pods := 1000
		if o.pods > 0 {
			pods = o.pods
		}
		settings["pods"] = pods
		runs, err = b.startup(pods)
		targets = []Target{
			{"ready_s", "start → /readyz 200", "s", atMost(2)},
			{"all_delivered_s", "start → all initial deliveries", "s", nil},
			{"version_s", "`bin/k8vent version` (JVM start floor)", "s", nil},
			{"peak_rss_mib", "peak RSS (VmHWM)", "MiB", nil},
		}
	case "outage":
		pods := 10000
		if o.pods > 0 {
			pods = o.pods
		}
		settings["pods"], settings["outage"], settings["max_in_flight"] = pods, o.outage.String(), o.maxInFlight
		runs, err = b.outage(pods)
		targets = []Target{
			{"peak_rss_mib", "peak RSS (VmHWM)", "MiB", atMost(256)},
			{"failed_per_s_late", "requests/s the down webhook got, last 30 s of the outage", "1/s", atMost(10)},
			{"failed_per_s", "requests/s the down webhook got, whole outage", "1/s", nil},
			{"failed_requests", "requests the down webhook got", "", nil},
			{"recovery_s", "webhook back → every pod delivered", "s", nil},
			{"recovery_per_s", "deliveries/s after the webhook is back", "1/s", nil},
			{"healthz_failures", "/healthz probes that failed during the outage (after the first success)", "", atMost(0)},
			{"ready_at_end_of_outage", "/readyz 200 at the end of the outage (1 = yes)", "", nil},
			{"out_of_order", "states received out of order", "", atMost(0)},
			{"k8vent_cpu_s", "k8vent CPU time", "s", nil},
		}
	case "floor":
		pods := 10000
		if o.pods > 0 {
			pods = o.pods
		}
		settings["pods"] = pods
		runs, err = b.floor(pods)
		targets = []Target{
			{"start_cpu_s", "start-up alone (no pods): CPU", "s", nil},
			{"list_cpu_s", "list side (all read, none sent): CPU", "s", nil},
			{"sync_cpu_s", "whole sync: CPU", "s", nil},
			{"list_share", "list side / whole sync, CPU", "", nil},
			{"reader_cpu_s", "floor (ListFloor, no framework): CPU", "s", nil},
			{"list_s", "list side: start → /readyz 200", "s", nil},
			{"sync_s", "whole sync: start → all delivered", "s", nil},
			{"reader_s", "floor: start → all read and parsed", "s", nil},
		}
	case "jmh":
		runs, targets, err = b.jmh()
	default:
		return fmt.Errorf("unknown scenario %q; choose one of %s, all", scenario, strings.Join(scenarios, ", "))
	}
	if err != nil {
		return err
	}
	res := Result{Scenario: scenario, Label: o.label, Started: started.Format(time.RFC3339), Command: o.command,
		JavaOpts: b.javaOpts(), Machine: machine(), Versions: b.versions(), Settings: settings, Runs: runs,
		Summary: summarize(runs, targets)}
	path, err := writeResult(o.results, scenario, o.label, started, res)
	if err != nil {
		return err
	}
	printTable(res, path)
	return nil
}

// javaOpts is what the k8vent JVM runs with: K8VENT_JAVA_OPTS when not empty, else bin/k8vent's default.
func (b *bench) javaOpts() string {
	if v := os.Getenv("K8VENT_JAVA_OPTS"); v != "" {
		return v
	}
	return b.o.defaultJavaOpts
}

func (b *bench) logPath(name string) string { return filepath.Join(b.dir, name+".log") }

func (b *bench) startCluster(pods int) error {
	var c *Cluster
	var err error
	if b.o.api == "mock" {
		fmt.Fprintf(os.Stderr, "bench: starting the in-memory pod API (k8bench mockapi)\n")
		c, err = startMockCluster(filepath.Join(b.dir, "cluster"))
	} else {
		fmt.Fprintf(os.Stderr, "bench: starting etcd and kube-apiserver\n")
		c, err = startCluster(b.o.kubeBin, filepath.Join(b.dir, "cluster"))
	}
	if err != nil {
		return err
	}
	b.cluster = c
	tokenFile := filepath.Join(b.dir, "token")
	if err := os.WriteFile(tokenFile, []byte(c.Token), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: creating %d running pods\n", pods)
	out := filepath.Join(b.dir, "create.json")
	gen, err := startProc("load-create", b.logPath("load-create"), os.Environ(), self(), "load", "create",
		"--server", c.Server, "--token-file", tokenFile, "--pods", strconv.Itoa(pods), "--out", out)
	if err != nil {
		return err
	}
	go tailProgress(gen)
	if err := gen.Wait(30 * time.Minute); err != nil {
		return fmt.Errorf("creating pods: %v\n%s", err, gen.Tail(10))
	}
	var r CreateResult
	if err := readJSON(out, &r); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: %d pods in %.1fs (%.0f API writes/s)\n", r.Pods, r.Seconds, r.PerSec)
	return nil
}

// tailProgress copies the load generator's progress lines to stderr while it runs.
func tailProgress(p *Proc) {
	seen := 0
	for {
		time.Sleep(5 * time.Second)
		if p.Exited() {
			return
		}
		data, _ := os.ReadFile(p.Log)
		if len(data) > seen {
			os.Stderr.Write(data[seen:])
			seen = len(data)
		}
	}
}

func self() string {
	exe, _ := os.Executable()
	return exe
}

// startClusterAndReceiver brings up what the sync, churn and start-up scenarios share.
func (b *bench) startClusterAndReceiver(pods int) error {
	if err := b.startCluster(pods); err != nil {
		return err
	}
	return b.startReceiver()
}

func (b *bench) startReceiver() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	b.recv, err = startProc("receiver", b.logPath("receiver"), os.Environ(), self(), "receiver", "--addr", addr)
	if err != nil {
		return err
	}
	b.recvBase = "http://" + addr
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := httpGet(b.recvBase+"/_bench/stats", time.Second); err == nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("receiver did not start:\n%s", b.recv.Tail(10))
}

func (b *bench) webhook() string { return b.recvBase + "/hook" }

func (b *bench) resetReceiver(expect int) error {
	resp, err := http.Post(b.recvBase+"/_bench/reset?expect="+strconv.Itoa(expect), "text/plain", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

func (b *bench) receiverStats(withSeq bool) (ReceiverStats, error) {
	url := b.recvBase + "/_bench/stats"
	if withSeq {
		url += "?seq=1"
	}
	var s ReceiverStats
	data, err := httpGet(url, 10*time.Second)
	if err == nil {
		err = json.Unmarshal(data, &s)
	}
	return s, err
}

// containerEnv is the environment k8vent gets: what a pod's container typically has, so that the
// payload's env object has a realistic size; never the benchmark machine's own variables.
func (b *bench) containerEnv() []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LANG=C.UTF-8",
		"HOSTNAME=k8vent-6d5f7c9b8-qx2lp", "ATOMIST_ENVIRONMENT=bench",
		"KUBERNETES_SERVICE_HOST=10.96.0.1", "KUBERNETES_SERVICE_PORT=443", "KUBERNETES_SERVICE_PORT_HTTPS=443",
		"KUBERNETES_PORT=tcp://10.96.0.1:443", "KUBERNETES_PORT_443_TCP=tcp://10.96.0.1:443",
		"KUBERNETES_PORT_443_TCP_PROTO=tcp", "KUBERNETES_PORT_443_TCP_PORT=443", "KUBERNETES_PORT_443_TCP_ADDR=10.96.0.1",
		"JAVA_HOME=" + os.Getenv("JAVA_HOME"),
	}
	if v := os.Getenv("K8VENT_JAVA_OPTS"); v != "" {
		env = append(env, "K8VENT_JAVA_OPTS="+v)
	}
	return env
}

// startK8vent runs bin/k8vent (which execs the JVM, so the pid is the JVM's) against the cluster.
func (b *bench) startK8vent(run int) (*Proc, int, time.Time, error) {
	return b.startK8ventAs(fmt.Sprintf("k8vent-%d", run))
}

// startK8ventAs starts k8vent as startK8vent does, logging to name.log, with extra flags.
func (b *bench) startK8ventAs(name string, extra ...string) (*Proc, int, time.Time, error) {
	ops, err := freePort()
	if err != nil {
		return nil, 0, time.Time{}, err
	}
	argv := []string{filepath.Join(b.o.root, "bin", "k8vent"), "--url", b.webhook(), "--kubeconfig", b.cluster.Kubeconfig,
		"--ops-port", strconv.Itoa(ops), "--max-in-flight", strconv.Itoa(b.o.maxInFlight)}
	t0 := time.Now()
	p, err := startProc("k8vent", b.logPath(name), b.containerEnv(), append(argv, extra...)...)
	return p, ops, t0, err
}

func httpGet(url string, timeout time.Duration) ([]byte, error) {
	c := http.Client{Timeout: timeout}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return data, err
}

func ready(ops int) bool {
	_, err := httpGet(fmt.Sprintf("http://127.0.0.1:%d/readyz", ops), time.Second)
	return err == nil
}

// metricSum adds up every series of one metric in k8vent's /metrics.
func metricSum(ops int, name string) float64 {
	data, err := httpGet(fmt.Sprintf("http://127.0.0.1:%d/metrics", ops), 5*time.Second)
	if err != nil {
		return math.NaN()
	}
	sum := 0.0
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, name+"{") || strings.HasPrefix(line, name+" ") {
			f := strings.Fields(line)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			sum += v
		}
	}
	return sum
}

// awaitInitial waits until the receiver has every pod's ADDED, polling /readyz and the queue depth
// on the way. Returns the receiver's figures, ms to ready, and the largest queue depth seen.
func (b *bench) awaitInitial(k *Proc, ops int, t0 time.Time, timeout time.Duration) (ReceiverStats, float64, float64, error) {
	readyMs, maxDepth := -1.0, 0.0
	deadline := t0.Add(timeout)
	for i := 0; ; i++ {
		if k.Exited() {
			return ReceiverStats{}, 0, 0, fmt.Errorf("k8vent exited:\n%s", k.Tail(20))
		}
		if time.Now().After(deadline) {
			return ReceiverStats{}, 0, 0, fmt.Errorf("not all pods delivered within %s:\n%s", timeout, k.Tail(10))
		}
		if readyMs < 0 && ready(ops) {
			readyMs = float64(time.Since(t0).Milliseconds())
		}
		if i%5 == 0 {
			if d := metricSum(ops, "k8vent_queue_depth"); d > maxDepth {
				maxDepth = d
			}
		}
		if i%2 == 0 {
			st, err := b.receiverStats(false)
			if err != nil {
				return st, 0, 0, err
			}
			if st.DoneNs != 0 && readyMs >= 0 {
				return st, readyMs, maxDepth, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func stopK8vent(k *Proc) { k.Stop(30 * time.Second) }

func (b *bench) sync(pods int) ([]Run, error) {
	if err := b.startClusterAndReceiver(pods); err != nil {
		return nil, err
	}
	var runs []Run
	for run := 1; run <= b.o.runs; run++ {
		fmt.Fprintf(os.Stderr, "bench: sync %d pods, run %d/%d\n", pods, run, b.o.runs)
		if err := b.resetReceiver(pods); err != nil {
			return nil, err
		}
		b.load.Reset()
		api0 := b.cluster.CPUSeconds()
		k, ops, t0, err := b.startK8vent(run)
		if err != nil {
			return nil, err
		}
		sampler := sampleRSS(k.Pid(), 100*time.Millisecond)
		st, readyMs, maxDepth, err := b.awaitInitial(k, ops, t0, 15*time.Minute)
		if err != nil {
			return nil, err
		}
		hwm, rss, err := memStatus(k.Pid())
		if err != nil {
			return nil, err
		}
		cpu := k.CPUSeconds()
		coalesced := metricSum(ops, "k8vent_deliveries_coalesced_total")
		stopK8vent(k)
		samples := sampler.Stop()
		doneMs := float64(st.DoneNs-t0.UnixNano()) / 1e6
		phase := float64(st.DoneNs-st.FirstNs) / 1e9
		runs = append(runs, Run{Run: run, Load: b.load.Report(), Metrics: map[string]float64{
			"peak_rss_mib":               round(float64(hwm)/1024, 1),
			"all_delivered_s":            round(doneMs/1000, 2),
			"ready_s":                    round(readyMs/1000, 2),
			"deliveries_per_s":           round(float64(pods)/phase, 0),
			"sync_per_s":                 round(float64(pods)/(doneMs/1000), 0),
			"max_queue_depth":            maxDepth,
			"k8vent_cpu_s":               round(cpu, 1),
			"k8vent_cpu_ms_per_delivery": round(cpu*1000/float64(pods), 3),
		}, Details: map[string]any{
			"first_delivery_s":         round(float64(st.FirstNs-t0.UnixNano())/1e9, 2),
			"rss_at_end_mib":           round(float64(rss)/1024, 1),
			"requests":                 st.Requests,
			"mean_body_bytes":          st.Bytes / max(st.Requests, 1),
			"coalesced":                coalesced,
			"cluster_cpu_s":            round(b.cluster.CPUSeconds()-api0, 1),
			"overall_deliveries_per_s": round(float64(pods)/(doneMs/1000), 0),
			"rss_curve":                thin(samples, 500),
		}})
	}
	return runs, nil
}

// control calls one of the receiver's /_bench/ endpoints.
func (b *bench) control(path string) error {
	resp, err := http.Post(b.recvBase+"/_bench/"+path, "text/plain", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("receiver /_bench/%s: HTTP %d", path, resp.StatusCode)
	}
	return nil
}

// outage starts k8vent while its only webhook answers 503 to everything, keeps it so for the
// outage, probing /healthz every second, then heals the webhook and waits for every pod.
func (b *bench) outage(pods int) ([]Run, error) {
	if err := b.startClusterAndReceiver(pods); err != nil {
		return nil, err
	}
	var runs []Run
	for run := 1; run <= b.o.runs; run++ {
		fmt.Fprintf(os.Stderr, "bench: webhook down for %s from k8vent's start, %d pods, run %d/%d\n", b.o.outage, pods,
			run, b.o.runs)
		if err := b.resetReceiver(pods); err != nil {
			return nil, err
		}
		if err := b.control("fail?status=503"); err != nil {
			return nil, err
		}
		b.load.Reset()
		k, ops, t0, err := b.startK8vent(run)
		if err != nil {
			return nil, err
		}
		sampler := sampleRSS(k.Pid(), 100*time.Millisecond)
		healthFailures, seenUp := 0, false
		for time.Since(t0) < b.o.outage {
			if k.Exited() {
				return nil, fmt.Errorf("k8vent exited during the outage:\n%s", k.Tail(20))
			}
			_, err := httpGet(fmt.Sprintf("http://127.0.0.1:%d/healthz", ops), 5*time.Second)
			if err == nil {
				seenUp = true
			} else if seenUp {
				healthFailures++
			}
			time.Sleep(time.Second)
		}
		readyAtEnd := 0.0
		if ready(ops) {
			readyAtEnd = 1
		}
		healed := time.Now()
		if err := b.control("heal"); err != nil {
			return nil, err
		}
		st, _, maxDepth, err := b.awaitInitial(k, ops, t0, b.o.outage+15*time.Minute)
		if err != nil {
			return nil, err
		}
		hwm, rss, err := memStatus(k.Pid())
		if err != nil {
			return nil, err
		}
		cpu := k.CPUSeconds()
		stopK8vent(k)
		samples := sampler.Stop()
		var failed int64
		for _, n := range st.FailedBySec {
			failed += n
		}
		late := st.FailedBySec
		if len(late) > 31 {
			late = late[len(late)-31 : len(late)-1]
		}
		var lateSum int64
		for _, n := range late {
			lateSum += n
		}
		recovery := float64(st.DoneNs-healed.UnixNano()) / 1e9
		runs = append(runs, Run{Run: run, Load: b.load.Report(), Metrics: map[string]float64{
			"peak_rss_mib":           round(float64(hwm)/1024, 1),
			"failed_per_s_late":      round(float64(lateSum)/float64(max(len(late), 1)), 1),
			"failed_per_s":           round(float64(failed)/b.o.outage.Seconds(), 1),
			"failed_requests":        float64(failed),
			"recovery_s":             round(recovery, 2),
			"recovery_per_s":         round(float64(pods)/recovery, 0),
			"healthz_failures":       float64(healthFailures),
			"ready_at_end_of_outage": readyAtEnd,
			"out_of_order":           float64(st.OutOfOrder),
			"k8vent_cpu_s":           round(cpu, 1),
		}, Details: map[string]any{
			"failed_by_second": st.FailedBySec,
			"max_queue_depth":  maxDepth,
			"rss_at_end_mib":   round(float64(rss)/1024, 1),
			"requests_after":   st.Requests,
			"rss_curve":        thin(samples, 1000),
		}})
	}
	return runs, nil
}

func (b *bench) churn(pods int) ([]Run, error) {
	if err := b.startClusterAndReceiver(pods); err != nil {
		return nil, err
	}
	var runs []Run
	for run := 1; run <= b.o.runs; run++ {
		fmt.Fprintf(os.Stderr, "bench: churn %d updates/s on %d pods for %s, run %d/%d\n", b.o.rate, pods, b.o.duration, run, b.o.runs)
		if err := b.resetReceiver(pods); err != nil {
			return nil, err
		}
		k, ops, t0, err := b.startK8vent(run)
		if err != nil {
			return nil, err
		}
		sampler := sampleRSS(k.Pid(), 200*time.Millisecond)
		if _, _, _, err := b.awaitInitial(k, ops, t0, 5*time.Minute); err != nil {
			return nil, err
		}
		if err := b.resetReceiver(0); err != nil {
			return nil, err
		}
		b.load.Reset()
		k0, api0, recv0 := k.CPUSeconds(), b.cluster.CPUSeconds(), b.recv.CPUSeconds()
		churnStart := time.Now()
		out := filepath.Join(b.dir, fmt.Sprintf("churn-%d.json", run))
		gen, err := startProc("load-churn", b.logPath(fmt.Sprintf("load-churn-%d", run)), os.Environ(), self(), "load", "churn",
			"--server", b.cluster.Server, "--token-file", filepath.Join(b.dir, "token"), "--pods", strconv.Itoa(pods),
			"--rate", strconv.Itoa(b.o.rate), "--duration", b.o.duration.String(),
			"--seq-base", strconv.Itoa((run-1)*1000000), "--out", out)
		if err != nil {
			return nil, err
		}
		if err := gen.Wait(b.o.duration + 10*time.Minute); err != nil {
			return nil, fmt.Errorf("churn generator: %v\n%s", err, gen.Tail(10))
		}
		churnEnd := time.Now()
		churnSecs := churnEnd.Sub(churnStart).Seconds()
		kCores := (k.CPUSeconds() - k0) / churnSecs
		apiCores := (b.cluster.CPUSeconds() - api0) / churnSecs
		recvCores := (b.recv.CPUSeconds() - recv0) / churnSecs
		genCores := gen.CPUSeconds() / churnSecs
		load := b.load.Report()
		var gr ChurnResult
		if err := readJSON(out, &gr); err != nil {
			return nil, err
		}
		st, drained, err := b.awaitFinalStates(gr.FinalSeq, 60*time.Second)
		if err != nil {
			return nil, err
		}
		churnCPU := k.CPUSeconds() - k0
		lost := 0
		for id, seq := range gr.FinalSeq {
			if st.LastSeq[id] != seq {
				lost++
			}
		}
		hwm, _, err := memStatus(k.Pid())
		if err != nil {
			return nil, err
		}
		coalesced := metricSum(ops, "k8vent_deliveries_coalesced_total")
		stopK8vent(k)
		samples := sampler.Stop()
		window := samplesBetween(samples, churnStart.Sub(t0), churnEnd.Sub(t0))
		runs = append(runs, Run{Run: run, Load: load, Metrics: map[string]float64{
			"latency_p50_ms":             st.Latency.P50,
			"latency_p99_ms":             st.Latency.P99,
			"latency_p99_after_10s_ms":   st.AfterWarmUp.P99,
			"latency_max_ms":             st.Latency.Max,
			"lost":                       float64(lost),
			"out_of_order":               float64(st.OutOfOrder),
			"achieved_rate":              gr.Rate,
			"api_write_p99_ms":           gr.WriteLatency.P99,
			"peak_rss_mib":               round(float64(hwm)/1024, 1),
			"rss_slope_mib_per_min":      round(slopePerMinute(window), 2),
			"k8vent_cores":               round(kCores, 2),
			"k8vent_cpu_ms_per_delivery": round(churnCPU*1000/float64(max(st.Events["MODIFIED"], 1)), 3),
			"cluster_cores":              round(apiCores, 2),
		}, Details: map[string]any{
			"latency_ms":                  st.Latency,
			"latency_ms_after_first_10s":  st.AfterWarmUp,
			"latency_ms_by_10s_of_writes": st.Windows,
			"api_write_latency_ms":        gr.WriteLatency,
			"writes_ok":                   gr.Written,
			"writes_failed":               gr.Failed,
			"writes_late_10ms":            gr.Late,
			"first_write_error":           gr.FirstError,
			"modified_received":           st.Events["MODIFIED"],
			"coalesced":                   coalesced,
			"drain_after_last_write_s":    round(drained.Seconds(), 2),
			"receiver_cores":              round(recvCores, 2),
			"load_generator_cores":        round(genCores, 2),
			"rss_churn_first_mib":         firstLast(window, true),
			"rss_churn_last_mib":          firstLast(window, false),
			"rss_curve":                   thin(samples, 1000),
		}})
	}
	return runs, nil
}

// awaitFinalStates waits until the receiver holds every pod's last written sequence number.
func (b *bench) awaitFinalStates(final map[string]int, timeout time.Duration) (ReceiverStats, time.Duration, error) {
	start := time.Now()
	for {
		st, err := b.receiverStats(true)
		if err != nil {
			return st, 0, err
		}
		missing := 0
		for id, seq := range final {
			if st.LastSeq[id] != seq {
				missing++
			}
		}
		if missing == 0 || time.Since(start) > timeout {
			return st, time.Since(start), nil
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (b *bench) ceiling() ([]Run, error) {
	if b.o.classpath == "" {
		return nil, errors.New("--classpath is needed (bench/run passes it)")
	}
	if _, err := exec.LookPath("wrk"); err != nil {
		return nil, errors.New("wrk is not installed: apt-get install wrk")
	}
	if err := b.startReceiver(); err != nil {
		return nil, err
	}
	body := filepath.Join(b.dir, "body.json")
	if err := b.engine("body", "--write-body", body); err != nil {
		return nil, err
	}
	script := filepath.Join(b.dir, "post.lua")
	lua := fmt.Sprintf(`local f = assert(io.open(%q, "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-K8vent-Event"] = "MODIFIED"
`, body)
	if err := os.WriteFile(script, []byte(lua), 0o644); err != nil {
		return nil, err
	}
	var runs []Run
	for run := 1; run <= b.o.runs; run++ {
		fmt.Fprintf(os.Stderr, "bench: delivery ceiling, run %d/%d\n", run, b.o.runs)
		b.load.Reset()
		if err := b.resetReceiver(0); err != nil {
			return nil, err
		}
		recv0 := b.recv.CPUSeconds()
		wrk, err := startProc("wrk", b.logPath(fmt.Sprintf("wrk-%d", run)), os.Environ(), "wrk",
			"-t"+strconv.Itoa(b.o.wrkThreads), "-c"+strconv.Itoa(b.o.maxInFlight), "-d10s", "-s", script, b.webhook())
		if err != nil {
			return nil, err
		}
		if err := wrk.Wait(time.Minute); err != nil {
			return nil, fmt.Errorf("wrk: %v\n%s", err, wrk.Tail(10))
		}
		recvWrk := (b.recv.CPUSeconds() - recv0) / 10
		wrkCores := wrk.CPUSeconds() / 10
		ceiling, err := wrkRate(wrk.Log)
		if err != nil {
			return nil, err
		}
		st, err := b.receiverStats(false)
		if err != nil {
			return nil, err
		}
		if err := b.resetReceiver(0); err != nil {
			return nil, err
		}
		recv1 := b.recv.CPUSeconds()
		out := filepath.Join(b.dir, fmt.Sprintf("engine-%d.json", run))
		eng, err := b.startEngine(fmt.Sprintf("engine-%d", run), "--url", b.webhook(), "--max-in-flight",
			strconv.Itoa(b.o.maxInFlight), "--warmup", "30000", "--count", "150000", "--out", out)
		if err != nil {
			return nil, err
		}
		if err := eng.Wait(2 * time.Minute); err != nil {
			return nil, fmt.Errorf("engine: %v\n%s", err, eng.Tail(20))
		}
		var er struct {
			Delivered float64 `json:"delivered"`
			Seconds   float64 `json:"seconds"`
			PerSecond float64 `json:"per_second"`
			Failures  float64 `json:"failures"`
			CPU       float64 `json:"measured_cpu_seconds"`
			Total     float64 `json:"total_seconds"`
			Window    float64 `json:"window"`
		}
		if err := readJSON(out, &er); err != nil {
			return nil, err
		}
		recvEng := (b.recv.CPUSeconds() - recv1) / er.Total
		est, err := b.receiverStats(false)
		if err != nil {
			return nil, err
		}
		runs = append(runs, Run{Run: run, Load: b.load.Report(), Metrics: map[string]float64{
			"engine_per_s":           round(er.PerSecond, 0),
			"receiver_ceiling_per_s": round(ceiling, 0),
			"ratio":                  round(er.PerSecond/ceiling, 3),
			"engine_cores":           round(er.CPU/er.Seconds, 2),
			"receiver_cores_engine":  round(recvEng, 2),
			"receiver_cores_wrk":     round(recvWrk, 2),
		}, Details: map[string]any{
			"wrk_cores":                   round(wrkCores, 2),
			"wrk_requests_at_receiver":    st.Requests,
			"engine_failures":             er.Failures,
			"engine_requests_at_receiver": est.Requests,
			"body_bytes":                  fileSize(body),
			"engine_window":               er.Window,
		}})
	}
	return runs, nil
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

var engineMain = "io.k8vent.bench.DeliveryCeiling"

func (b *bench) startEngine(name string, args ...string) (*Proc, error) {
	return b.startJava(name, engineMain, args...)
}

// startJava runs a main class of the benchmark classpath in a JVM with k8vent's flags, logging to name.log.
func (b *bench) startJava(name, mainClass string, args ...string) (*Proc, error) {
	argv := append([]string{"java"}, strings.Fields(b.javaOpts())...)
	argv = append(argv, "-cp", b.o.classpath, mainClass)
	return startProc(name, b.logPath(name), os.Environ(), append(argv, args...)...)
}

func (b *bench) engine(name string, args ...string) error {
	p, err := b.startEngine(name, args...)
	if err != nil {
		return err
	}
	if err := p.Wait(time.Minute); err != nil {
		return fmt.Errorf("%v\n%s", err, p.Tail(20))
	}
	return nil
}

func wrkRate(log string) (float64, error) {
	data, err := os.ReadFile(log)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Requests/sec:"); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	return 0, fmt.Errorf("no Requests/sec in wrk output:\n%s", data)
}

func (b *bench) startup(pods int) ([]Run, error) {
	if err := b.startClusterAndReceiver(pods); err != nil {
		return nil, err
	}
	var runs []Run
	for run := 1; run <= b.o.runs; run++ {
		fmt.Fprintf(os.Stderr, "bench: start-up with %d pods, run %d/%d\n", pods, run, b.o.runs)
		b.load.Reset()
		v0 := time.Now()
		version, err := startProc("version", b.logPath(fmt.Sprintf("version-%d", run)), b.containerEnv(),
			filepath.Join(b.o.root, "bin", "k8vent"), "version")
		if err != nil {
			return nil, err
		}
		if err := version.Wait(time.Minute); err != nil {
			return nil, err
		}
		versionS := time.Since(v0).Seconds()
		if err := b.resetReceiver(pods); err != nil {
			return nil, err
		}
		k, ops, t0, err := b.startK8vent(run)
		if err != nil {
			return nil, err
		}
		if err := awaitReady(k, ops, t0, time.Minute, 5*time.Millisecond); err != nil {
			return nil, err
		}
		readyMs := float64(time.Since(t0).Microseconds()) / 1000
		st, _, _, err := b.awaitInitial(k, ops, t0, 5*time.Minute)
		if err != nil {
			return nil, err
		}
		hwm, _, err := memStatus(k.Pid())
		if err != nil {
			return nil, err
		}
		stopK8vent(k)
		runs = append(runs, Run{Run: run, Load: b.load.Report(), Metrics: map[string]float64{
			"ready_s":         round(readyMs/1000, 3),
			"all_delivered_s": round(float64(st.DoneNs-t0.UnixNano())/1e9, 3),
			"version_s":       round(versionS, 3),
			"peak_rss_mib":    round(float64(hwm)/1024, 1),
		}})
	}
	return runs, nil
}

// floor splits an initial sync's CPU, each run measuring four processes back to back against the
// same cluster: k8vent on a namespace without pods (start-up alone), k8vent listing every pod with
// nothing to send (the list side: TLS, inflation, parsing, the pod store), the whole sync, and
// ListFloor, which reads and parses the same pages with no framework (the floor issue 17 asks for).
// The k8vent runs are measured at /readyz 200 (the initial list handed over) or at the last delivery.
func (b *bench) floor(pods int) ([]Run, error) {
	if b.o.classpath == "" {
		return nil, errors.New("floor needs --classpath (bench/run passes it)")
	}
	if err := b.startClusterAndReceiver(pods); err != nil {
		return nil, err
	}
	tokenFile := filepath.Join(b.dir, "reader-token")
	if err := os.WriteFile(tokenFile, []byte(b.cluster.Token), 0o600); err != nil {
		return nil, err
	}
	var runs []Run
	for run := 1; run <= b.o.runs; run++ {
		fmt.Fprintf(os.Stderr, "bench: floor with %d pods, run %d/%d\n", pods, run, b.o.runs)
		b.load.Reset()
		start, err := b.untilReady(fmt.Sprintf("start-%d", run), "--namespace", "k8vent-floor-no-pods")
		if err != nil {
			return nil, err
		}
		list, err := b.untilReady(fmt.Sprintf("list-%d", run), "--events", "DELETED")
		if err != nil {
			return nil, err
		}
		if err := b.resetReceiver(pods); err != nil {
			return nil, err
		}
		k, ops, t0, err := b.startK8vent(run)
		if err != nil {
			return nil, err
		}
		st, _, _, err := b.awaitInitial(k, ops, t0, 15*time.Minute)
		if err != nil {
			return nil, err
		}
		syncCPU, syncThreads := k.CPUSeconds(), threadCPU(k.Pid())
		stopK8vent(k)
		syncS := float64(st.DoneNs-t0.UnixNano()) / 1e9
		r0 := time.Now()
		reader, err := b.startJava(fmt.Sprintf("reader-%d", run), "io.k8vent.bench.ListFloor",
			"--server", b.cluster.Server, "--token-file", tokenFile)
		if err != nil {
			return nil, err
		}
		if err := reader.Wait(5 * time.Minute); err != nil {
			return nil, fmt.Errorf("ListFloor: %v\n%s", err, reader.Tail(20))
		}
		readerS := time.Since(r0).Seconds()
		if want := fmt.Sprintf("pods %d", pods); !strings.Contains(reader.Tail(1), want) {
			return nil, fmt.Errorf("ListFloor did not read %d pods:\n%s", pods, reader.Tail(5))
		}
		runs = append(runs, Run{Run: run, Load: b.load.Report(), Metrics: map[string]float64{
			"start_cpu_s":  round(start.cpu, 2),
			"list_cpu_s":   round(list.cpu, 2),
			"sync_cpu_s":   round(syncCPU, 2),
			"list_share":   round(list.cpu/syncCPU, 2),
			"reader_cpu_s": round(reader.CPUSeconds(), 2),
			"list_s":       round(list.wall, 2),
			"sync_s":       round(syncS, 2),
			"reader_s":     round(readerS, 2),
		}, Details: map[string]any{
			"start_s":             round(start.wall, 2),
			"start_threads_cpu_s": start.threads,
			"list_threads_cpu_s":  list.threads,
			"sync_threads_cpu_s":  syncThreads,
		}})
	}
	return runs, nil
}

// readyRun is one k8vent run measured at /readyz 200.
type readyRun struct {
	wall, cpu float64
	threads   map[string]float64
}

// untilReady starts k8vent with extra flags and stops it at its first /readyz 200 (polled every
// 50 ms, as the sync scenario polls it), returning the wall time and CPU to that point.
func (b *bench) untilReady(name string, extra ...string) (readyRun, error) {
	k, ops, t0, err := b.startK8ventAs(name, extra...)
	if err != nil {
		return readyRun{}, err
	}
	defer stopK8vent(k)
	if err := awaitReady(k, ops, t0, 15*time.Minute, 50*time.Millisecond); err != nil {
		return readyRun{}, err
	}
	return readyRun{time.Since(t0).Seconds(), k.CPUSeconds(), threadCPU(k.Pid())}, nil
}

// awaitReady polls k8vent's /readyz every `every` until it answers 200, k8vent exits, or `timeout`
// has passed since t0.
func awaitReady(k *Proc, ops int, t0 time.Time, timeout, every time.Duration) error {
	for !ready(ops) {
		if k.Exited() {
			return fmt.Errorf("k8vent exited:\n%s", k.Tail(20))
		}
		if time.Since(t0) > timeout {
			return fmt.Errorf("k8vent not ready within %s:\n%s", timeout, k.Tail(10))
		}
		time.Sleep(every)
	}
	return nil
}

func (b *bench) jmh() ([]Run, []Target, error) {
	if b.o.classpath == "" {
		return nil, nil, errors.New("--classpath is needed (bench/run passes it)")
	}
	out := filepath.Join(b.dir, "jmh.json")
	b.load.Reset()
	p, err := startProc("jmh", b.logPath("jmh"), os.Environ(), "java", "-cp", b.o.classpath, "org.openjdk.jmh.Main",
		"io.k8vent.bench.HotPathBenchmark", "-f", strconv.Itoa(b.o.runs), "-jvmArgs", b.javaOpts(), "-rf", "json", "-rff", out)
	if err != nil {
		return nil, nil, err
	}
	if err := p.Wait(time.Hour); err != nil {
		return nil, nil, fmt.Errorf("jmh: %v\n%s", err, p.Tail(20))
	}
	var results []struct {
		Benchmark     string `json:"benchmark"`
		PrimaryMetric struct {
			RawData [][]float64 `json:"rawData"`
		} `json:"primaryMetric"`
	}
	if err := readJSON(out, &results); err != nil {
		return nil, nil, err
	}
	load := b.load.Report()
	runs := make([]Run, b.o.runs)
	var targets []Target
	for fork := range runs {
		runs[fork] = Run{Run: fork + 1, Metrics: map[string]float64{}, Load: load}
	}
	for _, r := range results {
		name := r.Benchmark[strings.LastIndex(r.Benchmark, ".")+1:]
		metric := name + "_us_per_op"
		targets = append(targets, Target{metric, name, "µs/op", nil})
		for fork, iterations := range r.PrimaryMetric.RawData {
			sum := 0.0
			for _, opsPerSec := range iterations {
				sum += opsPerSec
			}
			runs[fork].Metrics[metric] = round(1e6/(sum/float64(len(iterations))), 3)
		}
	}
	return runs, targets, nil
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

func round(v float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(v*p) / p
}

// thin keeps about one sample per step ms, enough for a curve in the result file.
func thin(samples []RSSSample, stepMs int64) []RSSSample {
	var out []RSSSample
	next := int64(0)
	for _, s := range samples {
		if s.Ms >= next {
			out = append(out, s)
			next = s.Ms + stepMs
		}
	}
	return out
}

func samplesBetween(samples []RSSSample, from, to time.Duration) []RSSSample {
	var out []RSSSample
	for _, s := range samples {
		if s.Ms >= from.Milliseconds() && s.Ms <= to.Milliseconds() {
			out = append(out, s)
		}
	}
	return out
}

// slopePerMinute is the least-squares trend of RSS over the samples, in MiB per minute.
func slopePerMinute(s []RSSSample) float64 {
	if len(s) < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, p := range s {
		x := float64(p.Ms) / 60000
		sx += x
		sy += p.RSSMiB
		sxx += x * x
		sxy += x * p.RSSMiB
	}
	n := float64(len(s))
	den := n*sxx - sx*sx
	if den == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / den
}

// firstLast is the mean RSS over the first (or last) tenth of the samples.
func firstLast(s []RSSSample, first bool) float64 {
	if len(s) == 0 {
		return 0
	}
	n := max(len(s)/10, 1)
	part := s[:n]
	if !first {
		part = s[len(s)-n:]
	}
	sum := 0.0
	for _, p := range part {
		sum += p.RSSMiB
	}
	return round(sum/float64(n), 1)
}

func summarize(runs []Run, targets []Target) []SummaryRow {
	var rows []SummaryRow
	for _, t := range targets {
		var vals []float64
		for _, r := range runs {
			if v, ok := r.Metrics[t.Metric]; ok && !math.IsNaN(v) {
				vals = append(vals, v)
			}
		}
		if len(vals) == 0 {
			continue
		}
		sort.Float64s(vals)
		median := vals[len(vals)/2]
		if len(vals)%2 == 0 {
			median = (vals[len(vals)/2-1] + vals[len(vals)/2]) / 2
		}
		row := SummaryRow{Metric: t.Metric, Label: t.Label, Unit: t.Unit, Min: vals[0], Median: median, Max: vals[len(vals)-1]}
		if g := t.Goal; g != nil {
			worst := row.Max
			op := "≤"
			ok := func(v float64) bool { return v <= g.Limit }
			if !g.AtMost {
				worst, op = row.Min, "≥"
				ok = func(v float64) bool { return v >= g.Limit }
			}
			row.Target = fmt.Sprintf("%s %g", op, g.Limit)
			switch {
			case ok(worst):
				row.Met = "yes"
			case ok(row.Median):
				row.Met = "median only"
			default:
				row.Met = "no"
			}
		}
		rows = append(rows, row)
	}
	return rows
}

func writeResult(dir, scenario, label string, started time.Time, res Result) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	name := started.Format("2006-01-02") + "-" + scenario
	if label != "" {
		name += "-" + label
	}
	path := filepath.Join(dir, name+".json")
	if _, err := os.Stat(path); err == nil {
		path = filepath.Join(dir, name+"-"+started.Format("150405")+".json")
	}
	data, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(data, '\n'), 0o644)
}

func printTable(res Result, path string) {
	fmt.Printf("\n%s%s: %d run(s), K8VENT_JAVA_OPTS=%q\n", res.Scenario, map[bool]string{true: " [" + res.Label + "]", false: ""}[res.Label != ""],
		len(res.Runs), res.JavaOpts)
	fmt.Printf("%-44s %10s %10s %10s %-8s %-10s %s\n", "metric", "min", "median", "max", "unit", "target", "met")
	for _, r := range res.Summary {
		fmt.Printf("%-44s %10s %10s %10s %-8s %-10s %s\n", r.Label, num(r.Min), num(r.Median), num(r.Max), r.Unit, r.Target, r.Met)
	}
	maxForeign := 0.0
	for _, r := range res.Runs {
		maxForeign = math.Max(maxForeign, r.Load.ForeignCores)
	}
	fmt.Printf("other processes used up to %.2f cores during a run\nresults: %s\n", maxForeign, path)
}

func num(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e9 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func machine() map[string]any {
	m := map[string]any{"cpus": runtime.NumCPU()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m["cpu"] = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		line, _, _ := strings.Cut(string(data), "\n")
		m["memory_mib"] = parseKiB(strings.TrimPrefix(line, "MemTotal:")) / 1024
	}
	if data, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m["kernel"] = strings.TrimSpace(string(data))
	}
	if data, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				m["os"] = strings.Trim(v, `"`)
			}
		}
	}
	return m
}

// commandOutput is the first line a command prints (some print their version and exit non-zero).
func commandOutput(argv ...string) string {
	out, _ := exec.Command(argv[0], argv[1:]...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

func (b *bench) versions() map[string]any {
	v := map[string]any{
		"java":   commandOutput("java", "-version"),
		"go":     runtime.Version(),
		"k8vent": commandOutput(filepath.Join(b.o.root, "bin", "k8vent"), "version"),
		"git":    commandOutput("git", "-C", b.o.root, "describe", "--always", "--dirty"),
	}
	if b.o.api == "mock" {
		v["api"] = "k8bench mockapi (bench/go/mockapi.go)"
	} else if b.o.kubeBin != "" {
		v["kube-apiserver"] = commandOutput(filepath.Join(b.o.kubeBin, "kube-apiserver"), "--version")
		v["etcd"] = commandOutput(filepath.Join(b.o.kubeBin, "etcd"), "--version")
	}
	if _, err := exec.LookPath("wrk"); err == nil {
		v["wrk"] = commandOutput("wrk", "-v")
	}
	return v
}
