package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Cluster is an API server on loopback with a temporary directory, an admin token and a
// kubeconfig holding that token: etcd and kube-apiserver (token in group system:masters), or
// the harness's own in-memory pod API (mockapi.go).
type Cluster struct {
	Dir        string
	Server     string
	Token      string
	Kubeconfig string
	procs      []*Proc // started in this order, stopped in reverse
}

// newToken is a random bearer token for the bench admin.
func newToken() (string, error) {
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return "", err
	}
	return hex.EncodeToString(token), nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startCluster(binDir, dir string) (*Cluster, error) {
	c := &Cluster{Dir: dir}
	for _, sub := range []string{"etcd", "certs"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, err
		}
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	c.Token = token
	if err := writeServiceAccountKeys(dir); err != nil {
		return nil, err
	}
	tokens := filepath.Join(dir, "tokens.csv")
	if err := os.WriteFile(tokens, []byte(c.Token+",bench-admin,bench-admin-uid,\"system:masters\"\n"), 0o600); err != nil {
		return nil, err
	}
	clientPort, err := freePort()
	if err != nil {
		return nil, err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, err
	}
	securePort, err := freePort()
	if err != nil {
		return nil, err
	}
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	// fsync is off: the figures are about k8vent, and etcd on this VM's disk would otherwise be
	// the first thing to limit the write rate of the churn scenario.
	etcd, err := startProc("etcd", filepath.Join(dir, "etcd.log"), os.Environ(),
		filepath.Join(binDir, "etcd"),
		"--name=bench", "--data-dir="+filepath.Join(dir, "etcd"),
		"--listen-client-urls="+etcdURL, "--advertise-client-urls="+etcdURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=bench="+peerURL, "--unsafe-no-fsync", "--quota-backend-bytes=8589934592",
		"--log-level=warn")
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, etcd)
	apiserver, err := startProc("kube-apiserver", filepath.Join(dir, "apiserver.log"), os.Environ(),
		filepath.Join(binDir, "kube-apiserver"),
		"--etcd-servers="+etcdURL,
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1", "--secure-port="+strconv.Itoa(securePort),
		"--cert-dir="+filepath.Join(dir, "certs"),
		"--service-account-key-file="+filepath.Join(dir, "sa.pub"),
		"--service-account-signing-key-file="+filepath.Join(dir, "sa.key"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=10.0.0.0/24",
		"--token-auth-file="+tokens,
		"--authorization-mode=RBAC",
		"--disable-admission-plugins=ServiceAccount",
		"--v=0")
	if err != nil {
		c.Stop()
		return nil, err
	}
	c.procs = append(c.procs, apiserver)
	return c.serve("https://127.0.0.1:" + strconv.Itoa(securePort))
}

// startMockCluster runs the harness's in-memory pod API (k8bench mockapi) instead of etcd and
// kube-apiserver.
func startMockCluster(dir string) (*Cluster, error) {
	c := &Cluster{Dir: dir}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	token, err := newToken()
	if err != nil {
		return nil, err
	}
	c.Token = token
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(c.Token), 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	mock, err := startProc("mockapi", filepath.Join(dir, "mockapi.log"), os.Environ(), self(), "mockapi",
		"--addr", addr, "--token-file", tokenFile)
	if err != nil {
		return nil, err
	}
	c.procs = append(c.procs, mock)
	return c.serve("https://" + addr)
}

// serve writes the kubeconfig for server and waits until the API answers.
func (c *Cluster) serve(server string) (*Cluster, error) {
	c.Server = server
	c.Kubeconfig = filepath.Join(c.Dir, "kubeconfig")
	if err := os.WriteFile(c.Kubeconfig, []byte(kubeconfig(c.Server, c.Token)), 0o600); err != nil {
		c.Stop()
		return nil, err
	}
	if err := c.awaitReady(90 * time.Second); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) awaitReady(timeout time.Duration) error {
	kube := newKube(c.Server, c.Token)
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, p := range c.procs {
			if p.Exited() {
				return fmt.Errorf("%s exited:\n%s", p.Name, p.Tail(20))
			}
		}
		// The default namespace appears once the bootstrap controllers ran.
		if status, _, err := kube.do("GET", "/api/v1/namespaces/default", "", nil); err == nil && status == 200 {
			if status, _, err := kube.do("GET", "/readyz", "", nil); err == nil && status == 200 {
				return nil
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	last := c.procs[len(c.procs)-1]
	return fmt.Errorf("%s not ready within %s:\n%s", last.Name, timeout, last.Tail(20))
}

// CPUSeconds is what the API server's processes used so far.
func (c *Cluster) CPUSeconds() float64 {
	total := 0.0
	for _, p := range c.procs {
		total += p.CPUSeconds()
	}
	return total
}

func (c *Cluster) Stop() {
	for i := len(c.procs) - 1; i >= 0; i-- {
		c.procs[i].Stop(10 * time.Second)
	}
}

func writeServiceAccountKeys(dir string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	priv := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(filepath.Join(dir, "sa.key"), priv, 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600)
}

func kubeconfig(server, token string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: bench
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: bench-admin
  user:
    token: %s
contexts:
- name: bench
  context:
    cluster: bench
    user: bench-admin
current-context: bench
`, server, token)
}

// clusterMain keeps a cluster up for manual profiling until SIGINT/SIGTERM.
func clusterMain(args []string) error {
	fs := flag.NewFlagSet("cluster", flag.ExitOnError)
	binDir := fs.String("kube-bin", "", "directory with kube-apiserver and etcd")
	pods := fs.Int("pods", 0, "pods to create")
	lifetime := fs.Duration("for", time.Hour, "stop after this long if not interrupted before")
	_ = fs.Parse(args)
	dir, err := os.MkdirTemp("", "k8bench-cluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	c, err := startCluster(*binDir, dir)
	if err != nil {
		return err
	}
	defer c.Stop()
	if *pods > 0 {
		if _, err := createPods(c.Server, c.Token, *pods, 10, 64, true, os.Stderr); err != nil {
			return err
		}
	}
	fmt.Printf("cluster up: KUBECONFIG=%s (server %s); Ctrl-C stops it, else it stops after %s\n",
		c.Kubeconfig, c.Server, *lifetime)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	select {
	case <-ch:
	case <-time.After(*lifetime):
	}
	return nil
}
