package main

// An in-memory pod API for the churn scenario. On this 2-core machine kube-apiserver + etcd manage
// about 290 pod writes/s while k8vent runs next to them, so the 1,000 writes/s the issue asks for
// need an API server that costs little CPU. This one speaks the parts of the Kubernetes API that
// k8vent and the load generator use, over TLS with a bearer token like the real one:
// namespaces (create, get), pods (create, merge-patch of the pod and of its status, paged list
// with continue tokens, watch from a resourceVersion over WebSocket or a chunked HTTP stream,
// with bookmarks), /version and /readyz. Every pod write gets the next resourceVersion and one
// watch event; a watch from an old resourceVersion replays what it missed from a bounded log, or
// gets 410 Gone when that is no longer kept, as from the real API server.

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// keptEvents bounds the watch log: five seconds of churn at 1,000 writes/s, enough for a watch
// to resume after the list it started from; a small log keeps the mock's own GC short.
const keptEvents = 5000

type mockPod struct {
	key string // namespace/name
	obj map[string]any
}

type mockEvent struct {
	rv        int64
	namespace string
	data      []byte // {"type":…,"object":…}
}

type mockAPI struct {
	token string

	mu         sync.Mutex
	rv         int64
	namespaces map[string]bool
	pods       map[string]*mockPod
	log        []mockEvent // events with consecutive resourceVersions, oldest first
	changed    chan struct{}
}

func newMockAPI(token string) *mockAPI {
	return &mockAPI{token: token, rv: 1000, namespaces: map[string]bool{"default": true},
		pods: map[string]*mockPod{}, changed: make(chan struct{})}
}

func mockAPIMain(args []string) error {
	fs := flag.NewFlagSet("mockapi", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "loopback address to listen on")
	tokenFile := fs.String("token-file", "", "file holding the bearer token clients must send")
	_ = fs.Parse(args)
	if !strings.HasPrefix(*addr, "127.0.0.1:") {
		return errors.New("mockapi listens on loopback only (--addr 127.0.0.1:PORT)")
	}
	token, err := os.ReadFile(*tokenFile)
	if err != nil {
		return err
	}
	cert, err := selfSignedCert()
	if err != nil {
		return err
	}
	m := newMockAPI(strings.TrimSpace(string(token)))
	server := &http.Server{Addr: *addr, Handler: m,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	fmt.Fprintf(os.Stderr, "mockapi: listening on https://%s\n", *addr)
	return server.ListenAndServeTLS("", "")
}

func selfSignedCert() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "k8bench-mockapi"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

func (m *mockAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+m.token {
		status(w, http.StatusUnauthorized, "Unauthorized", "")
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.URL.Path == "/version":
		writeJSON(w, r, 200, map[string]any{"major": "1", "minor": "34", "gitVersion": "v1.34.0-k8bench-mock",
			"platform": "linux/amd64"})
	case r.URL.Path == "/readyz" || r.URL.Path == "/healthz":
		w.Write([]byte("ok"))
	case len(parts) == 3 && parts[0] == "api" && parts[1] == "v1" && parts[2] == "namespaces" && r.Method == "POST":
		m.createNamespace(w, r)
	case len(parts) == 4 && parts[2] == "namespaces" && r.Method == "GET":
		m.getNamespace(w, r, parts[3])
	case len(parts) == 3 && parts[2] == "pods" && r.Method == "GET":
		m.listOrWatch(w, r, "")
	case len(parts) == 5 && parts[2] == "namespaces" && parts[4] == "pods" && r.Method == "GET":
		m.listOrWatch(w, r, parts[3])
	case len(parts) == 5 && parts[2] == "namespaces" && parts[4] == "pods" && r.Method == "POST":
		m.createPod(w, r, parts[3])
	case len(parts) == 6 && parts[4] == "pods" && r.Method == "PATCH":
		m.patchPod(w, r, parts[3], parts[5], false)
	case len(parts) == 7 && parts[4] == "pods" && parts[6] == "status" && r.Method == "PATCH":
		m.patchPod(w, r, parts[3], parts[5], true)
	default:
		status(w, http.StatusNotFound, "NotFound", "k8bench mockapi does not serve "+r.Method+" "+r.URL.Path)
	}
}

func status(w http.ResponseWriter, code int, reason, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(map[string]any{"kind": "Status", "apiVersion": "v1", "metadata": map[string]any{},
		"status": "Failure", "reason": reason, "message": message, "code": code})
}

// writeJSON answers with obj, gzipped when the client accepts it and the body is large, as the
// real API server does for bodies over 128 KiB.
func writeJSON(w http.ResponseWriter, r *http.Request, code int, obj any) {
	data, err := json.Marshal(obj)
	if err != nil {
		status(w, 500, "InternalError", err.Error())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if len(data) > 128*1024 && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(code)
		gz := gzip.NewWriter(w)
		gz.Write(data)
		gz.Close()
		return
	}
	w.WriteHeader(code)
	w.Write(data)
}

func (m *mockAPI) createNamespace(w http.ResponseWriter, r *http.Request) {
	var ns map[string]any
	if err := json.NewDecoder(r.Body).Decode(&ns); err != nil {
		status(w, 400, "BadRequest", err.Error())
		return
	}
	name, _ := path(ns, "metadata", "name").(string)
	m.mu.Lock()
	exists := m.namespaces[name]
	m.namespaces[name] = true
	m.mu.Unlock()
	if exists {
		status(w, 409, "AlreadyExists", "namespaces \""+name+"\" already exists")
		return
	}
	writeJSON(w, r, 201, ns)
}

func (m *mockAPI) getNamespace(w http.ResponseWriter, r *http.Request, name string) {
	m.mu.Lock()
	exists := m.namespaces[name]
	m.mu.Unlock()
	if !exists {
		status(w, 404, "NotFound", "namespaces \""+name+"\" not found")
		return
	}
	writeJSON(w, r, 200, map[string]any{"apiVersion": "v1", "kind": "Namespace",
		"metadata": map[string]any{"name": name}, "status": map[string]any{"phase": "Active"}})
}

func path(obj map[string]any, keys ...string) any {
	var cur any = obj
	for _, k := range keys {
		mp, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mp[k]
	}
	return cur
}

func child(obj map[string]any, key string) map[string]any {
	if c, ok := obj[key].(map[string]any); ok {
		return c
	}
	c := map[string]any{}
	obj[key] = c
	return c
}

// createPod stores the pod with the fields the real API server fills in on create.
func (m *mockAPI) createPod(w http.ResponseWriter, r *http.Request, namespace string) {
	var pod map[string]any
	if err := json.NewDecoder(r.Body).Decode(&pod); err != nil {
		status(w, 400, "BadRequest", err.Error())
		return
	}
	meta := child(pod, "metadata")
	name, _ := meta["name"].(string)
	meta["namespace"] = namespace
	now := time.Now().UTC().Format(time.RFC3339)
	meta["creationTimestamp"] = now
	meta["uid"] = newUID()
	meta["managedFields"] = []any{map[string]any{"manager": "k8bench", "operation": "Update", "apiVersion": "v1",
		"time": now, "fieldsType": "FieldsV1", "fieldsV1": map[string]any{"f:metadata": map[string]any{},
			"f:spec": map[string]any{}}}}
	spec := child(pod, "spec")
	for k, v := range map[string]any{"restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
		"dnsPolicy": "ClusterFirst", "serviceAccountName": "default", "serviceAccount": "default",
		"securityContext": map[string]any{}, "schedulerName": "default-scheduler", "priority": 0,
		"enableServiceLinks": true, "preemptionPolicy": "PreemptLowerPriority"} {
		if _, ok := spec[k]; !ok {
			spec[k] = v
		}
	}
	pod["status"] = map[string]any{"phase": "Pending", "qosClass": "Burstable"}
	key := namespace + "/" + name
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.namespaces[namespace] {
		status(w, 404, "NotFound", "namespaces \""+namespace+"\" not found")
		return
	}
	if _, ok := m.pods[key]; ok {
		status(w, 409, "AlreadyExists", "pods \""+name+"\" already exists")
		return
	}
	m.pods[key] = &mockPod{key: key, obj: pod}
	m.recordLocked("ADDED", namespace, pod)
	writeJSON(w, r, 201, pod)
}

// patchPod applies a JSON merge patch (RFC 7396) to the pod, or to its status only.
func (m *mockAPI) patchPod(w http.ResponseWriter, r *http.Request, namespace, name string, statusOnly bool) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/merge-patch+json") {
		status(w, 415, "UnsupportedMediaType", "k8bench mockapi takes merge patches only, not "+ct)
		return
	}
	var patch map[string]any
	if err := json.NewDecoder(r.Body).Decode(&patch); err != nil {
		status(w, 400, "BadRequest", err.Error())
		return
	}
	if statusOnly {
		patch = map[string]any{"status": patch["status"]}
	} else {
		delete(patch, "status")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.pods[namespace+"/"+name]
	if !ok {
		status(w, 404, "NotFound", "pods \""+name+"\" not found")
		return
	}
	mergePatch(p.obj, patch)
	m.recordLocked("MODIFIED", namespace, p.obj)
	writeJSON(w, r, 200, p.obj)
}

func mergePatch(target, patch map[string]any) {
	for k, v := range patch {
		switch pv := v.(type) {
		case nil:
			delete(target, k)
		case map[string]any:
			t, ok := target[k].(map[string]any)
			if !ok {
				t = map[string]any{}
				target[k] = t
			}
			mergePatch(t, pv)
		default:
			target[k] = v
		}
	}
}

func newUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// recordLocked gives obj the next resourceVersion and appends its watch event; m.mu is held.
func (m *mockAPI) recordLocked(kind, namespace string, obj map[string]any) {
	m.rv++
	child(obj, "metadata")["resourceVersion"] = strconv.FormatInt(m.rv, 10)
	data, _ := json.Marshal(map[string]any{"type": kind, "object": obj})
	m.log = append(m.log, mockEvent{rv: m.rv, namespace: namespace, data: data})
	if len(m.log) > 2*keptEvents {
		m.log = append([]mockEvent(nil), m.log[len(m.log)-keptEvents:]...)
	}
	close(m.changed)
	m.changed = make(chan struct{})
}

func (m *mockAPI) listOrWatch(w http.ResponseWriter, r *http.Request, namespace string) {
	q := r.URL.Query()
	if q.Get("watch") == "true" || q.Get("watch") == "1" {
		m.watch(w, r, namespace)
		return
	}
	m.list(w, r, namespace)
}

// list answers a page of pods in namespace/name order. The continue token carries the list's
// resourceVersion and the last key sent; pages after the first show current state (newer
// changes are replayed by the watch from the list's resourceVersion, so none is missed).
func (m *mockAPI) list(w http.ResponseWriter, r *http.Request, namespace string) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	m.mu.Lock()
	listRV, after := m.rv, ""
	if c := q.Get("continue"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		rvText, key, found := strings.Cut(string(raw), "|")
		rv, err2 := strconv.ParseInt(rvText, 10, 64)
		if err != nil || err2 != nil || !found {
			m.mu.Unlock()
			status(w, 400, "BadRequest", "bad continue token")
			return
		}
		listRV, after = rv, key
	}
	keys := make([]string, 0, len(m.pods))
	for k := range m.pods {
		if k > after && (namespace == "" || strings.HasPrefix(k, namespace+"/")) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	remaining := 0
	if limit > 0 && len(keys) > limit {
		remaining = len(keys) - limit
		keys = keys[:limit]
	}
	more := remaining > 0
	var body bytes.Buffer
	body.WriteString(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"` + strconv.FormatInt(listRV, 10) + `"`)
	if more {
		token := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(listRV, 10) + "|" + keys[len(keys)-1]))
		body.WriteString(`,"continue":"` + token + `","remainingItemCount":` + strconv.Itoa(remaining))
	}
	body.WriteString(`},"items":[`)
	for i, k := range keys {
		if i > 0 {
			body.WriteByte(',')
		}
		item, _ := json.Marshal(m.pods[k].obj)
		body.Write(item)
	}
	body.WriteString("]}")
	m.mu.Unlock()
	writeJSON(w, r, 200, json.RawMessage(body.Bytes()))
}

// watchSink is where watch events go: WebSocket text frames or lines of a chunked HTTP stream.
type watchSink interface {
	send(event []byte) error
	flush() error
	closed() <-chan struct{}
}

func (m *mockAPI) watch(w http.ResponseWriter, r *http.Request, namespace string) {
	q := r.URL.Query()
	from, err := strconv.ParseInt(q.Get("resourceVersion"), 10, 64)
	if err != nil || from == 0 {
		m.mu.Lock()
		from = m.rv
		m.mu.Unlock()
	}
	timeout := 30 * time.Minute
	if s, err := strconv.Atoi(q.Get("timeoutSeconds")); err == nil && s > 0 {
		timeout = time.Duration(s) * time.Second
	}
	bookmarks := q.Get("allowWatchBookmarks") == "true"
	var sink watchSink
	if strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		ws, err := upgradeWebSocket(w, r)
		if err != nil {
			return
		}
		defer ws.close()
		sink = ws
	} else {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Transfer-Encoding", "chunked")
		w.WriteHeader(200)
		sink = &httpSink{w: w, flusher: w.(http.Flusher), done: r.Context().Done()}
	}
	m.stream(sink, namespace, from, timeout, bookmarks)
}

// stream sends every event after resourceVersion from until the client goes or timeout passes.
func (m *mockAPI) stream(sink watchSink, namespace string, from int64, timeout time.Duration, bookmarks bool) {
	end := time.After(timeout)
	bookmark := time.NewTicker(time.Minute)
	defer bookmark.Stop()
	next := from + 1
	for {
		m.mu.Lock()
		var batch [][]byte
		if len(m.log) > 0 && next < m.log[0].rv && next <= m.rv {
			m.mu.Unlock()
			gone, _ := json.Marshal(map[string]any{"type": "ERROR", "object": map[string]any{"kind": "Status",
				"apiVersion": "v1", "status": "Failure", "reason": "Expired", "code": 410,
				"message": "too old resource version: " + strconv.FormatInt(from, 10)}})
			sink.send(gone)
			sink.flush()
			return
		}
		if len(m.log) > 0 {
			for i := int(next - m.log[0].rv); i >= 0 && i < len(m.log); i++ {
				if namespace == "" || m.log[i].namespace == namespace {
					batch = append(batch, m.log[i].data)
				}
			}
		}
		next = m.rv + 1
		changed := m.changed
		m.mu.Unlock()
		for _, e := range batch {
			if sink.send(e) != nil {
				return
			}
		}
		if len(batch) > 0 && sink.flush() != nil {
			return
		}
		select {
		case <-changed:
		case <-sink.closed():
			return
		case <-end:
			return
		case <-bookmark.C:
			if bookmarks {
				data := []byte(`{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"` +
					strconv.FormatInt(next-1, 10) + `"}}}`)
				if sink.send(data) != nil || sink.flush() != nil {
					return
				}
			}
		}
	}
}

type httpSink struct {
	w       http.ResponseWriter
	flusher http.Flusher
	done    <-chan struct{}
}

func (s *httpSink) send(event []byte) error {
	if _, err := s.w.Write(event); err != nil {
		return err
	}
	_, err := s.w.Write([]byte("\n"))
	return err
}

func (s *httpSink) flush() error            { s.flusher.Flush(); return nil }
func (s *httpSink) closed() <-chan struct{} { return s.done }

// wsConn is the server side of a WebSocket (RFC 6455) that sends text frames and answers the
// client's pings and close.
type wsConn struct {
	conn net.Conn
	out  *bufio.Writer
	mu   sync.Mutex // out is written by the streaming loop and by the reader's pongs
	done chan struct{}
}

func upgradeWebSocket(w http.ResponseWriter, r *http.Request) (*wsConn, error) {
	key := r.Header.Get("Sec-WebSocket-Key")
	hj, ok := w.(http.Hijacker)
	if key == "" || !ok {
		status(w, 400, "BadRequest", "not a WebSocket upgrade over HTTP/1.1")
		return nil, errors.New("bad upgrade")
	}
	conn, rw, err := hj.Hijack()
	if err != nil {
		return nil, err
	}
	sum := sha1.Sum([]byte(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"))
	rw.Writer.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n")
	if err := rw.Writer.Flush(); err != nil {
		conn.Close()
		return nil, err
	}
	ws := &wsConn{conn: conn, out: rw.Writer, done: make(chan struct{})}
	go ws.read(rw.Reader)
	return ws, nil
}

// read consumes the client's frames: pings are answered, a close (or a broken connection) ends
// the stream.
func (c *wsConn) read(in *bufio.Reader) {
	defer close(c.done)
	for {
		opcode, payload, err := readFrame(in)
		if err != nil {
			return
		}
		switch opcode {
		case 0x8:
			c.mu.Lock()
			writeFrame(c.out, 0x8, payload)
			c.out.Flush()
			c.mu.Unlock()
			return
		case 0x9:
			c.mu.Lock()
			writeFrame(c.out, 0xA, payload)
			c.out.Flush()
			c.mu.Unlock()
		}
	}
}

func readFrame(in *bufio.Reader) (byte, []byte, error) {
	var head [2]byte
	if _, err := io.ReadFull(in, head[:]); err != nil {
		return 0, nil, err
	}
	n := uint64(head[1] & 0x7f)
	switch n {
	case 126:
		var ext [2]byte
		if _, err := io.ReadFull(in, ext[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(ext[:]))
	case 127:
		var ext [8]byte
		if _, err := io.ReadFull(in, ext[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(ext[:])
	}
	if n > 1<<20 {
		return 0, nil, errors.New("client frame too large")
	}
	var mask [4]byte
	masked := head[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(in, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(in, payload); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
	}
	return head[0] & 0x0f, payload, nil
}

func writeFrame(out *bufio.Writer, opcode byte, payload []byte) error {
	out.WriteByte(0x80 | opcode)
	switch n := len(payload); {
	case n < 126:
		out.WriteByte(byte(n))
	case n <= 0xffff:
		out.WriteByte(126)
		out.Write(binary.BigEndian.AppendUint16(nil, uint16(n)))
	default:
		out.WriteByte(127)
		out.Write(binary.BigEndian.AppendUint64(nil, uint64(n)))
	}
	_, err := out.Write(payload)
	return err
}

func (c *wsConn) send(event []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return writeFrame(c.out, 0x1, event)
}

func (c *wsConn) flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.Flush()
}

func (c *wsConn) closed() <-chan struct{} { return c.done }

func (c *wsConn) close() {
	c.mu.Lock()
	writeFrame(c.out, 0x8, binary.BigEndian.AppendUint16(nil, 1000))
	c.out.Flush()
	c.mu.Unlock()
	c.conn.Close()
}
