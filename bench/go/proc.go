package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Proc is a child process in its own process group, logging to a file. Every Proc started is
// remembered so that stopAll can end them when the orchestrator is interrupted.
type Proc struct {
	Name string
	Log  string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

var (
	procsMu  sync.Mutex
	procs    []*Proc
	ourPids  = map[int]bool{os.Getpid(): true}
	stopOnce sync.Once
)

func startProc(name, logPath string, env []string, argv ...string) (*Proc, error) {
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := spawn(cmd); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &Proc{Name: name, Log: logPath, cmd: cmd, done: make(chan struct{})}
	procsMu.Lock()
	procs = append(procs, p)
	ourPids[cmd.Process.Pid] = true
	procsMu.Unlock()
	go func() {
		p.err = cmd.Wait()
		logFile.Close()
		close(p.done)
	}()
	return p, nil
}

// The kernel sends Pdeathsig when the OS thread that started the child ends, not the process
// (golang/go#27505), and Go ends idle threads: children then died mid-run. So every child is
// started from one goroutine locked to its thread, which lives as long as k8bench.
var spawns = make(chan spawnRequest)

type spawnRequest struct {
	cmd *exec.Cmd
	err chan error
}

func init() {
	go func() {
		runtime.LockOSThread()
		for r := range spawns {
			r.err <- r.cmd.Start()
		}
	}()
}

func spawn(cmd *exec.Cmd) error {
	r := spawnRequest{cmd, make(chan error, 1)}
	spawns <- r
	return <-r.err
}

func (p *Proc) Pid() int { return p.cmd.Process.Pid }

func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits for the process to exit by itself, at most timeout.
func (p *Proc) Wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(timeout):
		return fmt.Errorf("%s did not finish within %s (log: %s)", p.Name, timeout, p.Log)
	}
}

// Stop sends SIGTERM to the process group, then SIGKILL after grace.
func (p *Proc) Stop(grace time.Duration) {
	if p.Exited() {
		return
	}
	_ = syscall.Kill(-p.Pid(), syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = syscall.Kill(-p.Pid(), syscall.SIGKILL)
		<-p.done
	}
}

// CPUSeconds is user+system time: from /proc while it runs, from the exit status afterwards.
func (p *Proc) CPUSeconds() float64 {
	if p.Exited() && p.cmd.ProcessState != nil {
		return (p.cmd.ProcessState.UserTime() + p.cmd.ProcessState.SystemTime()).Seconds()
	}
	s, _ := cpuSeconds(p.Pid())
	return s
}

// Tail returns the last lines of the process log, for error messages.
func (p *Proc) Tail(lines int) string {
	data, _ := os.ReadFile(p.Log)
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func stopAll() {
	procsMu.Lock()
	list := append([]*Proc(nil), procs...)
	procsMu.Unlock()
	for i := len(list) - 1; i >= 0; i-- {
		list[i].Stop(5 * time.Second)
	}
}

// stopOnSignal makes SIGINT/SIGTERM end every child before the orchestrator exits.
func stopOnSignal(cleanup func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ch
		stopOnce.Do(func() {
			fmt.Fprintln(os.Stderr, "k8bench: interrupted; stopping every process it started")
			stopAll()
			cleanup()
		})
		os.Exit(130)
	}()
}

const clockTicks = 100 // USER_HZ on Linux

// memStatus reads VmHWM (peak resident set) and VmRSS from /proc/PID/status, in KiB.
func memStatus(pid int) (hwm, rss int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			hwm = parseKiB(v)
		} else if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			rss = parseKiB(v)
		}
	}
	if hwm == 0 {
		return 0, 0, errors.New("no VmHWM in /proc status")
	}
	return hwm, rss, nil
}

func parseKiB(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
	return n
}

// procStat returns the command name and utime+stime ticks of a process.
func procStat(pid int) (string, int64, error) {
	return statFile(fmt.Sprintf("/proc/%d/stat", pid))
}

// statFile reads the command name and utime+stime ticks from a stat file of /proc.
func statFile(path string) (string, int64, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", 0, err
	}
	open := bytes.IndexByte(data, '(')
	end := bytes.LastIndexByte(data, ')')
	if open < 0 || end < open {
		return "", 0, errors.New("malformed stat")
	}
	fields := strings.Fields(string(data[end+2:]))
	if len(fields) < 13 {
		return "", 0, errors.New("short stat")
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return string(data[open+1 : end]), utime + stime, nil
}

// threadCPU is a process's CPU in seconds by thread name, with the digits taken out so that a
// pool's threads (the JVM's "C1 CompilerThread0" and "…1", Vert.x's event loops) add up.
func threadCPU(pid int) map[string]float64 {
	out := map[string]float64{}
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return out
	}
	for _, task := range tasks {
		name, ticks, err := statFile(fmt.Sprintf("/proc/%d/task/%s/stat", pid, task.Name()))
		if err != nil {
			continue
		}
		name = strings.Trim(strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return -1
			}
			return r
		}, name), " -#")
		out[name] += float64(ticks) / clockTicks
	}
	for name, s := range out {
		out[name] = round(s, 2)
	}
	return out
}

func cpuSeconds(pid int) (float64, error) {
	_, ticks, err := procStat(pid)
	return float64(ticks) / clockTicks, err
}

// RSSSampler samples VmRSS of one process at a fixed interval.
type RSSSampler struct {
	pid     int
	start   time.Time
	mu      sync.Mutex
	samples []RSSSample
	stop    chan struct{}
	done    chan struct{}
}

type RSSSample struct {
	Ms     int64   `json:"ms"`
	RSSMiB float64 `json:"rss_mib"`
}

func sampleRSS(pid int, every time.Duration) *RSSSampler {
	s := &RSSSampler{pid: pid, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			if _, rss, err := memStatus(pid); err == nil {
				s.mu.Lock()
				s.samples = append(s.samples, RSSSample{time.Since(s.start).Milliseconds(), float64(rss) / 1024})
				s.mu.Unlock()
			}
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *RSSSampler) Stop() []RSSSample {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

// LoadMonitor measures CPU used by processes this harness did not start (other builds and tests
// on the machine), so that every result says whether it was measured on a quiet machine.
type LoadMonitor struct {
	mu      sync.Mutex
	last    map[int]int64
	names   map[int]string
	foreign map[string]int64
	busy    int64
	lastCPU int64
	since   time.Time
}

type LoadReport struct {
	Seconds      float64            `json:"seconds"`
	BusyCores    float64            `json:"machine_busy_cores"`
	ForeignCores float64            `json:"other_processes_cores"`
	TopForeign   map[string]float64 `json:"other_processes_top,omitempty"`
}

func newLoadMonitor() *LoadMonitor {
	m := &LoadMonitor{}
	m.Reset()
	go func() {
		for range time.Tick(time.Second) {
			m.sample()
		}
	}()
	return m
}

// Reset starts a new measurement window.
func (m *LoadMonitor) Reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.last, m.names = processTicks()
	m.foreign = map[string]int64{}
	m.busy = 0
	m.lastCPU = machineBusyTicks()
	m.since = time.Now()
}

func (m *LoadMonitor) sample() {
	now, names := processTicks()
	cpu := machineBusyTicks()
	procsMu.Lock()
	ours := make(map[int]bool, len(ourPids))
	for pid := range ourPids {
		ours[pid] = true
	}
	procsMu.Unlock()
	m.mu.Lock()
	defer m.mu.Unlock()
	for pid, ticks := range now {
		prev, seen := m.last[pid]
		if seen && !ours[pid] && ticks > prev {
			m.foreign[names[pid]] += ticks - prev
		}
	}
	m.busy += cpu - m.lastCPU
	m.lastCPU = cpu
	m.last, m.names = now, names
}

// Report returns the figures for the window since the last Reset.
func (m *LoadMonitor) Report() LoadReport {
	m.sample()
	m.mu.Lock()
	defer m.mu.Unlock()
	secs := time.Since(m.since).Seconds()
	r := LoadReport{Seconds: round(secs, 1), BusyCores: round(float64(m.busy)/clockTicks/secs, 2), TopForeign: map[string]float64{}}
	type kv struct {
		name  string
		ticks int64
	}
	var all []kv
	var total int64
	for name, ticks := range m.foreign {
		all = append(all, kv{name, ticks})
		total += ticks
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ticks > all[j].ticks })
	for i := 0; i < len(all) && i < 3; i++ {
		if cores := float64(all[i].ticks) / clockTicks / secs; cores >= 0.05 {
			r.TopForeign[all[i].name] = round(cores, 2)
		}
	}
	r.ForeignCores = round(float64(total)/clockTicks/secs, 2)
	return r
}

func processTicks() (map[int]int64, map[int]string) {
	ticks := map[int]int64{}
	names := map[int]string{}
	entries, _ := filepath.Glob("/proc/[0-9]*")
	for _, e := range entries {
		pid, err := strconv.Atoi(filepath.Base(e))
		if err != nil {
			continue
		}
		if name, t, err := procStat(pid); err == nil {
			ticks[pid] = t
			names[pid] = name
		}
	}
	return ticks, names
}

// machineBusyTicks is the non-idle CPU time of the whole machine from /proc/stat.
func machineBusyTicks() int64 {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	f := strings.Fields(line)
	var busy int64
	for i, v := range f[1:] {
		n, _ := strconv.ParseInt(v, 10, 64)
		if i != 3 && i != 4 && i < 8 { // skip idle and iowait; guest time is already in user
			busy += n
		}
	}
	return busy
}
