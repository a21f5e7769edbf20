package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Pods are numbered 0..N-1; pod id lives in namespace bench-(id % namespaces) and carries its id
// in an annotation, so the receiver can tell pods apart without parsing the whole body.
const (
	annID        = "k8vent-bench/id"
	annSeq       = "k8vent-bench/seq"
	annWrittenAt = "k8vent-bench/t"
	nsCount      = 10
)

func podNamespace(id int) string { return fmt.Sprintf("bench-%d", id%nsCount) }
func podName(id int) string      { return fmt.Sprintf("bench-%06d", id) }

// podJSON is a pod shaped like a web Deployment's pod: owner reference, labels, annotations,
// probes, env, resources, volumes. k8vent sends it back with the server's defaults and managedFields.
func podJSON(id int) []byte {
	app := id % 97
	return []byte(fmt.Sprintf(`{"apiVersion":"v1","kind":"Pod","metadata":{"name":%q,"namespace":%q,
"generateName":"web-%d-7d9f8b6c5d-",
"labels":{"app":"web-%d","pod-template-hash":"7d9f8b6c5d","tier":"frontend","team":"shop"},
"annotations":{%q:"%d",%q:"0","kubectl.kubernetes.io/restartedAt":"2026-11-20T10:15:00Z","prometheus.io/scrape":"true","prometheus.io/port":"9090"},
"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-%d-7d9f8b6c5d","uid":"0a1b2c3d-1111-2222-3333-%012d","controller":true,"blockOwnerDeletion":true}]},
"spec":{"nodeName":"node-%d",
"volumes":[{"name":"cache","emptyDir":{}},{"name":"config","configMap":{"name":"web-config","defaultMode":420}}],
"containers":[{"name":"web","image":"registry.example.com/shop/web:1.4.2","args":["--port=8080","--log-format=json"],
"ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"name":"metrics","containerPort":9090,"protocol":"TCP"}],
"env":[{"name":"LOG_LEVEL","value":"info"},{"name":"DB_HOST","value":"postgres.shop.svc"},{"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}}],
"resources":{"limits":{"cpu":"500m","memory":"512Mi"},"requests":{"cpu":"100m","memory":"256Mi"}},
"volumeMounts":[{"name":"cache","mountPath":"/cache"},{"name":"config","mountPath":"/etc/web","readOnly":true}],
"livenessProbe":{"httpGet":{"path":"/healthz","port":"http"},"periodSeconds":10},
"readinessProbe":{"httpGet":{"path":"/readyz","port":"http"},"periodSeconds":5},
"imagePullPolicy":"IfNotPresent"}],
"tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},
{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}]}}`,
		podName(id), podNamespace(id), app, app, annID, id, annSeq, app, id, id%50))
}

// statusJSON makes the pod look like a running pod, as a kubelet would report it.
func statusJSON(id int) []byte {
	hash := fmt.Sprintf("%064x", uint64(id)*2654435761)
	cond := func(t string) string {
		return fmt.Sprintf(`{"type":%q,"status":"True","lastProbeTime":null,"lastTransitionTime":"2026-11-20T10:15:42Z"}`, t)
	}
	hostIP := fmt.Sprintf("10.0.0.%d", id%50+1)
	podIP := fmt.Sprintf("10.244.%d.%d", id/250%250, id%250+1)
	return []byte(fmt.Sprintf(`{"status":{"phase":"Running","conditions":[%s,%s,%s,%s,%s],
"hostIP":%q,"hostIPs":[{"ip":%q}],"podIP":%q,"podIPs":[{"ip":%q}],"startTime":"2026-11-20T10:15:30Z",
"containerStatuses":[{"name":"web","state":{"running":{"startedAt":"2026-11-20T10:15:41Z"}},"lastState":{},"ready":true,
"restartCount":0,"image":"registry.example.com/shop/web:1.4.2","imageID":"registry.example.com/shop/web@sha256:%s",
"containerID":"containerd://%s","started":true}]}}`,
		cond("PodReadyToStartContainers"), cond("Initialized"), cond("Ready"), cond("ContainersReady"), cond("PodScheduled"),
		hostIP, hostIP, podIP, podIP, hash, hash))
}

type CreateResult struct {
	Pods    int     `json:"pods"`
	Seconds float64 `json:"seconds"`
	PerSec  float64 `json:"writes_per_second"`
}

// createPods creates pods 0..n-1 (those that exist are kept) and, with status, reports them running.
func createPods(server, token string, n, namespaces, concurrency int, status bool, progress io.Writer) (CreateResult, error) {
	kube := newKube(server, token)
	for i := 0; i < namespaces && i < n; i++ {
		body := fmt.Sprintf(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":%q}}`, podNamespace(i))
		st, data, err := kube.do("POST", "/api/v1/namespaces", "application/json", []byte(body))
		if err != nil || (st != 201 && st != 409) {
			return CreateResult{}, fmt.Errorf("creating namespace: HTTP %d %s %v", st, data, err)
		}
	}
	start := time.Now()
	ids := make(chan int, concurrency)
	var done atomic.Int64
	var firstErr error
	var errMu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range ids {
				base := "/api/v1/namespaces/" + podNamespace(id) + "/pods"
				err := writeWithRetry(kube, "POST", base, "application/json", podJSON(id), 201, 409)
				if err == nil && status {
					err = writeWithRetry(kube, "PATCH", base+"/"+podName(id)+"/status", "application/merge-patch+json", statusJSON(id), 200)
				}
				if err != nil {
					errMu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					errMu.Unlock()
				}
				done.Add(1)
			}
		}()
	}
	ticker := time.NewTicker(5 * time.Second)
	defer ticker.Stop()
	for id := 0; id < n; id++ {
		select {
		case ids <- id:
		case <-ticker.C:
			fmt.Fprintf(progress, "load: %d/%d pods after %.0fs\n", done.Load(), n, time.Since(start).Seconds())
			ids <- id
		}
	}
	close(ids)
	wg.Wait()
	if firstErr != nil {
		return CreateResult{}, firstErr
	}
	secs := time.Since(start).Seconds()
	writes := n
	if status {
		writes *= 2
	}
	return CreateResult{Pods: n, Seconds: round(secs, 1), PerSec: round(float64(writes)/secs, 0)}, nil
}

func writeWithRetry(kube *Kube, method, path, contentType string, body []byte, okStatus ...int) error {
	var lastErr error
	for attempt := 0; attempt < 20; attempt++ {
		st, data, err := kube.do(method, path, contentType, body)
		for _, ok := range okStatus {
			if err == nil && st == ok {
				return nil
			}
		}
		lastErr = fmt.Errorf("%s %s: HTTP %d %s %v", method, path, st, strings.TrimSpace(string(data)), err)
		if !retryable(st, err) {
			return lastErr
		}
		time.Sleep(time.Duration(50*(attempt+1)) * time.Millisecond)
	}
	return lastErr
}

// ChurnResult is what the churn generator did: the rate it achieved, how long the API server took
// to accept each write, and the last sequence number written to each pod.
type ChurnResult struct {
	Planned      int            `json:"planned_writes"`
	Written      int            `json:"writes_ok"`
	Failed       int            `json:"writes_failed"`
	Seconds      float64        `json:"seconds"`
	Rate         float64        `json:"achieved_writes_per_second"`
	WriteLatency Percentiles    `json:"api_write_latency_ms"`
	Late         int            `json:"writes_started_over_10ms_late"`
	FinalSeq     map[string]int `json:"final_seq"`
	FirstError   string         `json:"first_error,omitempty"`
}

// churn updates pods 0..pods-1 round-robin at rate writes/s for duration, each write setting the
// pod's sequence annotation and the wall-clock time the write was sent. Writes to one pod always
// go through the same worker, so they happen in order.
func churn(server, token string, pods, rate int, duration time.Duration, seqBase, workers int) ChurnResult {
	kube := newKube(server, token)
	total := int(float64(rate) * duration.Seconds())
	queues := make([]chan [2]int, workers)
	latencies := make([][]int64, workers)
	final := make([]map[int]int, workers)
	failed := make([]int, workers)
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for w := range queues {
		queues[w] = make(chan [2]int, 4096)
		final[w] = map[int]int{}
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for job := range queues[w] {
				id, seq := job[0], job[1]
				sent := time.Now()
				patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:"%d",%q:"%d"}}}`, annSeq, seq, annWrittenAt, sent.UnixNano())
				st, data, err := kube.do("PATCH", "/api/v1/namespaces/"+podNamespace(id)+"/pods/"+podName(id),
					"application/merge-patch+json", []byte(patch))
				if err == nil && st == 200 {
					latencies[w] = append(latencies[w], time.Since(sent).Nanoseconds())
					final[w][id] = seq
				} else {
					failed[w]++
					firstErr.CompareAndSwap(nil, fmt.Sprintf("HTTP %d %s %v", st, strings.TrimSpace(string(data)), err))
				}
			}
		}(w)
	}
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	late := 0
	for i := 0; i < total; i++ {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		} else if wait < -10*time.Millisecond {
			late++
		}
		id := i % pods
		queues[id%workers] <- [2]int{id, seqBase + i/pods + 1}
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	res := ChurnResult{Planned: total, Seconds: round(secs, 2), Late: late, FinalSeq: map[string]int{}}
	var all []int64
	for w := range queues {
		all = append(all, latencies[w]...)
		res.Failed += failed[w]
		for id, seq := range final[w] {
			res.FinalSeq[fmt.Sprint(id)] = seq
		}
	}
	res.Written = len(all)
	res.Rate = round(float64(len(all))/secs, 1)
	res.WriteLatency = percentiles(all)
	if e, ok := firstErr.Load().(string); ok {
		res.FirstError = e
	}
	return res
}

func loadMain(args []string) error {
	if len(args) < 1 {
		return errors.New("usage: k8bench load create|churn [flags]")
	}
	fs := flag.NewFlagSet("load "+args[0], flag.ExitOnError)
	server := fs.String("server", "", "API server URL")
	tokenFile := fs.String("token-file", "", "file holding the bearer token")
	pods := fs.Int("pods", 1000, "number of pods")
	out := fs.String("out", "", "write the JSON result here (default stdout)")
	concurrency := fs.Int("concurrency", 64, "create: parallel requests")
	status := fs.Bool("status", true, "create: report each pod as running (a second write per pod)")
	rate := fs.Int("rate", 1000, "churn: writes per second")
	duration := fs.Duration("duration", 60*time.Second, "churn: how long")
	seqBase := fs.Int("seq-base", 0, "churn: sequence numbers start above this")
	workers := fs.Int("workers", 64, "churn: parallel writers")
	_ = fs.Parse(args[1:])
	tokenBytes, err := os.ReadFile(*tokenFile)
	if err != nil {
		return err
	}
	token := strings.TrimSpace(string(tokenBytes))
	var result any
	switch args[0] {
	case "create":
		r, err := createPods(*server, token, *pods, nsCount, *concurrency, *status, os.Stderr)
		if err != nil {
			return err
		}
		result = r
	case "churn":
		result = churn(*server, token, *pods, *rate, *duration, *seqBase, *workers)
	default:
		return fmt.Errorf("unknown load command %q", args[0])
	}
	data, _ := json.Marshal(result)
	if *out == "" {
		_, err = os.Stdout.Write(append(data, '\n'))
		return err
	}
	return os.WriteFile(*out, data, 0o644)
}

// Percentiles of a latency sample, in milliseconds.
type Percentiles struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

func percentiles(ns []int64) Percentiles {
	if len(ns) == 0 {
		return Percentiles{}
	}
	s := append([]int64(nil), ns...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	at := func(q float64) float64 {
		i := int(q*float64(len(s))+0.5) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(s) {
			i = len(s) - 1
		}
		return round(float64(s[i])/1e6, 2)
	}
	return Percentiles{Count: len(s), P50: at(0.50), P90: at(0.90), P99: at(0.99), P999: at(0.999), Max: round(float64(s[len(s)-1])/1e6, 2)}
}
