package main

import (
	"bytes"
	"crypto/tls"
	"io"
	"net/http"
	"time"
)

// Kube is a minimal API server client: bearer token, TLS without verification (loopback, a
// certificate the API server generated itself), HTTP/2 so that many requests share a connection.
type Kube struct {
	base  string
	token string
	hc    *http.Client
}

func newKube(server, token string) *Kube {
	transport := &http.Transport{
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: true},
		ForceAttemptHTTP2:   true,
		MaxIdleConnsPerHost: 64,
	}
	return &Kube{base: server, token: token, hc: &http.Client{Transport: transport, Timeout: 60 * time.Second}}
}

func (k *Kube) do(method, path, contentType string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, k.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+k.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := k.hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// retryable is an answer worth repeating after a pause: overload, throttling, or no answer.
func retryable(status int, err error) bool {
	return err != nil || status == 429 || status >= 500
}
