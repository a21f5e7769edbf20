// k8bench is the benchmark harness behind bench/run. One binary, several roles, each run as its
// own process so that k8vent, the API server, the load generator and the receiving webhook never
// share a runtime:
//
//	k8bench run SCENARIO [flags]   orchestrates a scenario and writes bench/results/*.json
//	k8bench receiver [flags]       the receiving webhook (loopback only)
//	k8bench load create|churn      the load generator against the API server
//	k8bench cluster                etcd + kube-apiserver on loopback until interrupted
//	k8bench mockapi [flags]        an in-memory pod API on loopback (churn with --api mock)
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "run":
		err = runMain(os.Args[2:])
	case "receiver":
		err = receiverMain(os.Args[2:])
	case "load":
		err = loadMain(os.Args[2:])
	case "cluster":
		err = clusterMain(os.Args[2:])
	case "mockapi":
		err = mockAPIMain(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "k8bench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: k8bench run SCENARIO [flags] | receiver | load create|churn | cluster | mockapi")
	os.Exit(2)
}
