package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"
)

// receiver is the webhook k8vent posts to. It answers 200 at once and records, per request, the
// event type and the benchmark annotations found by a byte search (no JSON parsing, so that the
// receiver costs as little CPU as possible): which pod, which sequence number, and when the API
// write was sent. Control endpoints under /_bench/ reset and read the figures.
type receiver struct {
	mu         sync.Mutex
	requests   int64
	bytes      int64
	events     map[string]int64
	firstNs    int64
	lastNs     int64
	expect     int
	added      map[int]bool
	doneNs     int64
	lastSeq    map[int]int
	outOfOrder int64
	latencies  []int64
	writtenAts []int64 // the API write time of each latency, to split the run into windows
	// An outage: while failStatus is set every request is answered with it and counted per
	// second since the outage began, and nothing is recorded as delivered.
	failStatus  int
	failSinceNs int64
	failedBySec []int64
	healedNs    int64
}

// latencyWindow is how long after the first write a window starts, and its latencies.
const latencyWindow = 10 * time.Second

type WindowPercentiles struct {
	FromS int `json:"from_s"`
	Percentiles
}

var (
	markID        = []byte(`"` + annID + `":"`)
	markSeq       = []byte(`"` + annSeq + `":"`)
	markWrittenAt = []byte(`"` + annWrittenAt + `":"`)
	bodyPool      = sync.Pool{New: func() any { return new(bytes.Buffer) }}
)

func newReceiver() *receiver {
	r := &receiver{}
	r.reset(0)
	return r
}

func (r *receiver) reset(expect int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests, r.bytes, r.firstNs, r.lastNs, r.doneNs, r.outOfOrder = 0, 0, 0, 0, 0, 0
	r.events = map[string]int64{}
	r.expect = expect
	r.added = map[int]bool{}
	r.lastSeq = map[int]int{}
	r.latencies = r.latencies[:0]
	r.writtenAts = r.writtenAts[:0]
	r.failStatus, r.failSinceNs, r.failedBySec, r.healedNs = 0, 0, nil, 0
}

// fail starts an outage: every request is answered with status until heal.
func (r *receiver) fail(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failStatus, r.failSinceNs, r.failedBySec = status, time.Now().UnixNano(), nil
}

// heal ends the outage.
func (r *receiver) heal() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failStatus, r.healedNs = 0, time.Now().UnixNano()
}

// number parses the decimal digits that follow mark in body.
func number(body, mark []byte) (int64, bool) {
	i := bytes.Index(body, mark)
	if i < 0 {
		return 0, false
	}
	var n int64
	digits := 0
	for _, c := range body[i+len(mark):] {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int64(c-'0')
		digits++
	}
	return n, digits > 0
}

func (r *receiver) hook(w http.ResponseWriter, req *http.Request) {
	buf := bodyPool.Get().(*bytes.Buffer)
	buf.Reset()
	_, err := io.Copy(buf, req.Body)
	now := time.Now().UnixNano()
	if err != nil {
		bodyPool.Put(buf)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	if status := r.failStatus; status != 0 {
		sec := int((now - r.failSinceNs) / int64(time.Second))
		for len(r.failedBySec) <= sec {
			r.failedBySec = append(r.failedBySec, 0)
		}
		r.failedBySec[sec]++
		r.mu.Unlock()
		bodyPool.Put(buf)
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(status)
		return
	}
	r.mu.Unlock()
	body := buf.Bytes()
	event := req.Header.Get("X-K8vent-Event")
	id, hasID := number(body, markID)
	seq, _ := number(body, markSeq)
	writtenAt, hasWrittenAt := number(body, markWrittenAt)
	size := int64(len(body))
	bodyPool.Put(buf)

	r.mu.Lock()
	r.requests++
	r.bytes += size
	r.events[event]++
	if r.firstNs == 0 {
		r.firstNs = now
	}
	r.lastNs = now
	if hasID {
		pod := int(id)
		if event == "ADDED" && !r.added[pod] {
			r.added[pod] = true
			if len(r.added) == r.expect {
				r.doneNs = now
			}
		}
		if prev, ok := r.lastSeq[pod]; ok && int(seq) < prev {
			r.outOfOrder++
		} else {
			r.lastSeq[pod] = int(seq)
		}
		if event == "MODIFIED" && hasWrittenAt {
			r.latencies = append(r.latencies, now-writtenAt)
			r.writtenAts = append(r.writtenAts, writtenAt)
		}
	}
	r.mu.Unlock()
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// ReceiverStats is what /_bench/stats returns.
type ReceiverStats struct {
	Requests      int64               `json:"requests"`
	Bytes         int64               `json:"bytes"`
	Events        map[string]int64    `json:"events"`
	FirstNs       int64               `json:"first_ns"`
	LastNs        int64               `json:"last_ns"`
	Expect        int                 `json:"expect"`
	DistinctAdded int                 `json:"distinct_added"`
	DoneNs        int64               `json:"done_ns"`
	OutOfOrder    int64               `json:"out_of_order"`
	Latency       Percentiles         `json:"latency_ms"`
	Windows       []WindowPercentiles `json:"latency_ms_by_10s_of_writes"`
	AfterWarmUp   Percentiles         `json:"latency_ms_after_first_10s"`
	LastSeq       map[string]int      `json:"last_seq,omitempty"`
	FailedBySec   []int64             `json:"failed_by_second,omitempty"`
	HealedNs      int64               `json:"healed_ns,omitempty"`
}

func (r *receiver) stats(withSeq bool) ReceiverStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := ReceiverStats{Requests: r.requests, Bytes: r.bytes, Events: map[string]int64{}, FirstNs: r.firstNs,
		LastNs: r.lastNs, Expect: r.expect, DistinctAdded: len(r.added), DoneNs: r.doneNs, OutOfOrder: r.outOfOrder,
		Latency: percentiles(r.latencies), FailedBySec: slices.Clone(r.failedBySec), HealedNs: r.healedNs}
	s.Windows, s.AfterWarmUp = r.latencyByWindow()
	for k, v := range r.events {
		s.Events[k] = v
	}
	if withSeq {
		s.LastSeq = make(map[string]int, len(r.lastSeq))
		for id, seq := range r.lastSeq {
			s.LastSeq[strconv.Itoa(id)] = seq
		}
	}
	return s
}

// latencyByWindow splits the latencies by when their write was sent (0-10 s after the first
// write, 10-20 s, ...) and also returns those of every window after the first: k8vent's steady
// state, without the code paths it compiles when the first watch events arrive.
func (r *receiver) latencyByWindow() ([]WindowPercentiles, Percentiles) {
	if len(r.writtenAts) == 0 {
		return nil, Percentiles{}
	}
	first := slices.Min(r.writtenAts)
	var byWindow [][]int64
	var later []int64
	for i, t := range r.writtenAts {
		w := int((t - first) / int64(latencyWindow))
		for len(byWindow) <= w {
			byWindow = append(byWindow, nil)
		}
		byWindow[w] = append(byWindow[w], r.latencies[i])
		if w > 0 {
			later = append(later, r.latencies[i])
		}
	}
	out := make([]WindowPercentiles, 0, len(byWindow))
	for w, l := range byWindow {
		out = append(out, WindowPercentiles{FromS: w * int(latencyWindow/time.Second), Percentiles: percentiles(l)})
	}
	return out, percentiles(later)
}

func receiverMain(args []string) error {
	fs := flag.NewFlagSet("receiver", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	_ = fs.Parse(args)
	if host, _, err := net.SplitHostPort(*addr); err != nil || !net.ParseIP(host).IsLoopback() {
		return fmt.Errorf("the receiver listens on loopback only, not %q", *addr)
	}
	r := newReceiver()
	mux := http.NewServeMux()
	mux.HandleFunc("/hook", r.hook)
	mux.HandleFunc("/_bench/reset", func(w http.ResponseWriter, req *http.Request) {
		expect, _ := strconv.Atoi(req.URL.Query().Get("expect"))
		r.reset(expect)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/_bench/fail", func(w http.ResponseWriter, req *http.Request) {
		status, err := strconv.Atoi(req.URL.Query().Get("status"))
		if err != nil || status < 400 {
			http.Error(w, "status must be an HTTP error status", http.StatusBadRequest)
			return
		}
		r.fail(status)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/_bench/heal", func(w http.ResponseWriter, req *http.Request) {
		r.heal()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/_bench/stats", func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(r.stats(req.URL.Query().Get("seq") == "1"))
	})
	server := &http.Server{Addr: *addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	fmt.Println("receiver listening on", *addr)
	return server.ListenAndServe()
}
