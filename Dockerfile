# syntax=docker/dockerfile:1

# k8vent's container image: built from source, run on a trimmed Java 17 runtime with no
# shell and no package manager, as a non-root numeric user. Needs BuildKit (the default
# builder since Docker 23, and docker buildx) for the cache mount and $BUILDPLATFORM.
#
#   docker build --build-arg K8VENT_COMMIT=$(git rev-parse --short=12 HEAD) -t atomist/k8vent:0.1.0 .

# The base images are build arguments (the defaults are what users get), for builders that reach
# no public registry: BUILD_IMAGE needs a JDK 17 and Maven, JDK_IMAGE a JDK 17 with jlink and its
# jmods, RUNTIME_IMAGE the libraries a Linux JDK links against (libc, zlib, libgcc, libstdc++).
ARG BUILD_IMAGE=maven:3.9-eclipse-temurin-17
ARG JDK_IMAGE=eclipse-temurin:17-jdk
ARG RUNTIME_IMAGE=gcr.io/distroless/java-base-debian12:nonroot

# Build: the jar is platform-independent, so this stage runs natively even when
# building images for other architectures.
FROM --platform=$BUILDPLATFORM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY pom.xml ./
COPY daemon/pom.xml daemon/
COPY tools/pom.xml tools/
COPY build-tools/pom.xml build-tools/
COPY tests/pom.xml tests/
COPY daemon/src daemon/src
COPY tools/src tools/src
COPY build-tools/src build-tools/src
# The build context has no .git (see .dockerignore), so the commit that `k8vent version`
# prints comes from a build argument: docker build --build-arg K8VENT_COMMIT=$(git rev-parse --short=12 HEAD) .
# The image runs daemon/target/k8vent-daemon.jar; the tools and build-tools jars only record
# the class archive below.
ARG K8VENT_COMMIT=unknown
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests package -pl tools,build-tools -am \
      -Dgit.commit.id.abbrev=${K8VENT_COMMIT}

# Runtime: only the modules the jar needs. The list is what
# `jdeps --ignore-missing-deps --multi-release 17 --print-module-deps daemon/target/k8vent-daemon.jar`
# prints (DockerfileModulesIT keeps it that way) plus jdk.crypto.ec, which jdeps cannot
# see because the JDK loads it as a security provider: TLS to the API server and to
# webhooks negotiates elliptic-curve key exchange and certificates through it.
# --generate-cds-archive adds a class-data-sharing archive of the trimmed runtime's own
# classes, which the JVM maps at start.
FROM ${JDK_IMAGE} AS jre
RUN jlink \
      --add-modules java.base,java.compiler,java.desktop,java.naming,java.sql,jdk.crypto.ec,jdk.httpserver,jdk.management,jdk.unsupported \
      --strip-debug \
      --no-man-pages \
      --no-header-files \
      --compress=2 \
      --generate-cds-archive \
      --output /opt/java

# Class-data sharing for k8vent's classes: a training daemon, started with the ENTRYPOINT's
# flags and JSON logs on the trimmed runtime, lists, watches and delivers a few pods from the
# in-memory API over TLS and records the classes it loaded, parsed and verified into an archive
# on top of the runtime's (io.k8vent.build.ClassArchive, from build-tools/; it and the in-memory
# API run on the JDK and stay out of the image). The daemon maps them at start instead of reading
# some 4,000 classes from the jar: ready 0.7 s sooner, less class metadata in memory (see
# BENCHMARKS.md). An archive fits only the runtime and the jar it was recorded with, at the
# same paths, so the final stage takes both from here.
FROM jre AS cds
COPY --from=build /src/daemon/target/k8vent-daemon.jar /opt/k8vent/k8vent.jar
COPY --from=build /src/tools/target/k8vent.jar /src/build-tools/target/k8vent-build-tools.jar /tmp/training/
RUN K8VENT_LOG_FORMAT=json java -XX:+UseSerialGC -cp /tmp/training/k8vent.jar:/tmp/training/k8vent-build-tools.jar \
      io.k8vent.build.ClassArchive --java /opt/java/bin/java /opt/k8vent/k8vent.jsa /opt/k8vent/k8vent.jar \
      -XX:MaxRAMPercentage=55 -Xmn12m -XX:SurvivorRatio=1 -XX:TargetSurvivorRatio=90 \
      -XX:MinHeapFreeRatio=10 -XX:MaxHeapFreeRatio=20 \
      -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -XX:-UsePerfData

# Run: distroless java-base has no shell, but unlike distroless base it carries the
# shared libraries a Temurin runtime links against (zlib, libgcc, libstdc++) and a Java
# CA bundle; its nonroot variant is user 65532. Files are copied as root, so the
# daemon cannot modify its own runtime or jar.
FROM ${RUNTIME_IMAGE}
COPY --from=jre /opt/java /opt/java
COPY --from=cds /opt/k8vent /opt/k8vent
ENV K8VENT_LOG_FORMAT=json
USER 65532:65532
EXPOSE 8080
# JVM flags chosen from bench/run measurements (BENCHMARKS.md). The heap follows the
# container's memory limit: 55% of kube/'s 384Mi limit is about 211Mi, more than 50,000
# pods need (the whole process peaked at 185Mi with 50,000 pods), leaving about 170Mi for
# metaspace, code cache, thread stacks and buffers (about 100Mi measured), so the process
# hits its own heap limit before the kernel's OOM killer. The free
# ratios make the heap grow only as far as it must. The serial collector has the smallest
# footprint, and with heaps this small its pauses are short. C1 only (TieredStopAtLevel=1)
# uses less memory and far less CPU at start-up than C2, for about 20% less peak delivery
# rate, still above the target. (k8vent itself gives the common fork-join pool two threads,
# so one- and two-CPU containers do not start a thread per HTTP response; see Main.)
# An OutOfMemoryError ends the process so Kubernetes restarts it instead of leaving a
# half-working watcher.
# A young generation of 12 MiB, two thirds of it survivor spaces (4 MiB each) that may fill to
# 90%, keeps the heap that the initial list touches small and lets a list page die young (an
# eden of 8 MiB cost 4 MiB more for no speed; BENCHMARKS.md, round 9): with 12 MiB and
# the default survivors, every page outlived its first collection and was promoted, and the
# old generation was collected every other young collection (BENCHMARKS.md, round 7).
# The perf-data file is off: nothing in the image could read it and /tmp may be
# read-only. The archive's own log lines are off so that every line on stderr stays JSON.
ENTRYPOINT ["/opt/java/bin/java", \
            "-XX:MaxRAMPercentage=55", \
            "-Xmn12m", \
            "-XX:SurvivorRatio=1", \
            "-XX:TargetSurvivorRatio=90", \
            "-XX:MinHeapFreeRatio=10", \
            "-XX:MaxHeapFreeRatio=20", \
            "-XX:+UseSerialGC", \
            "-XX:TieredStopAtLevel=1", \
            "-XX:+ExitOnOutOfMemoryError", \
            "-XX:-UsePerfData", \
            "-XX:SharedArchiveFile=/opt/k8vent/k8vent.jsa", \
            "-Xlog:cds=off", \
            "-Xlog:cds+dynamic=off", \
            "-jar", "/opt/k8vent/k8vent.jar"]
