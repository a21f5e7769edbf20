module k8vent.local/bench

go 1.22
