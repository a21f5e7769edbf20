package io.k8vent.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.k8vent.payload.PayloadWriter;
import io.k8vent.payload.PodFingerprint;
import io.k8vent.payload.Signer;
import io.k8vent.payload.WireFormat;
import io.k8vent.route.AnnotationOptIns;
import io.k8vent.route.AnnotationPolicy;
import io.k8vent.route.Router;
import io.k8vent.watch.PodEvent;
import io.k8vent.watch.PodSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.spec.AlgorithmParameterSpec;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The per-event work on the informer thread: parsing is fabric8's, everything after it is here.
 * Run with {@code bench/run jmh}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HotPathBenchmark {
  private GenericKubernetesResource pod;
  private PayloadWriter writer;
  private Signer signer;
  private Router router;
  private Blackhole sink;
  private byte[] body;
  private Cipher aesGcm;
  private Cipher chaCha20;
  private final SecretKey aesKey = new SecretKeySpec(new byte[16], "AES");
  private final SecretKey chaChaKey = new SecretKeySpec(new byte[32], "ChaCha20");
  private long records;

  @Setup
  public void setUp(Blackhole blackhole) {
    sink = blackhole;
    try (InputStream in = HotPathBenchmark.class.getResourceAsStream("/pods/web-realistic.json")) {
      pod = PodSource.serialization(false).unmarshal(in, GenericKubernetesResource.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> env = Map.of("HOSTNAME", "k8vent-6d5f7c9b8-qx2lp", "ATOMIST_ENVIRONMENT", "production",
        "KUBERNETES_SERVICE_HOST", "10.96.0.1", "KUBERNETES_SERVICE_PORT", "443", "JAVA_HOME", "/opt/java");
    writer = new PayloadWriter(new ObjectMapper(), env);
    signer = new Signer("bench-secret");
    router = new Router(List.of(URI.create("https://webhook.atomist.com/atomist/kube/teams/T1")),
        AnnotationPolicy.allowAll(), writer, signer, AnnotationOptIns.NONE,
        new WireFormat(WireFormat.Kind.K8VENT, "production", Clock.systemUTC()), (url, delivery) -> {
          sink.consume(delivery);
          return true;
        });
    body = writer.write(pod, null, PayloadWriter.EnvScope.FULL, false);
    try {
      aesGcm = Cipher.getInstance("AES/GCM/NoPadding");
      chaCha20 = Cipher.getInstance("ChaCha20-Poly1305");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Writing one payload body from a received pod. */
  @Benchmark
  public byte[] writePayload() {
    return writer.write(pod, null, PayloadWriter.EnvScope.FULL, false);
  }

  /** The fingerprint the change filter compares, of one received pod. */
  @Benchmark
  public long fingerprint() {
    return PodFingerprint.of(pod);
  }

  /** Both HMAC signatures of one body. */
  @Benchmark
  public Signer.Signatures signPayload() {
    return signer.sign(body);
  }

  /** A whole event: annotation, payload, signatures and the delivery handed to its queue. */
  @Benchmark
  public void routeEvent() {
    router.route(new PodEvent(PodEvent.Type.MODIFIED, pod, System.nanoTime(), false));
  }

  /** Sealing one body as a TLS 1.3 record with AES-128-GCM, as to an https:// webhook that picks it. */
  @Benchmark
  public byte[] tlsRecordAesGcm() throws GeneralSecurityException {
    return seal(aesGcm, aesKey, new GCMParameterSpec(128, nextNonce()));
  }

  /** The same with ChaCha20-Poly1305, which k8vent offers first (io.k8vent.net.TlsCiphers). */
  @Benchmark
  public byte[] tlsRecordChaCha20() throws GeneralSecurityException {
    return seal(chaCha20, chaChaKey, new IvParameterSpec(nextNonce()));
  }

  private byte[] seal(Cipher cipher, SecretKey key, AlgorithmParameterSpec nonce) throws GeneralSecurityException {
    cipher.init(Cipher.ENCRYPT_MODE, key, nonce);
    return cipher.doFinal(body);
  }

  /** A fresh nonce each time: the JDK refuses to reuse a key and nonce pair for GCM. */
  private byte[] nextNonce() {
    byte[] nonce = new byte[12];
    long n = ++records;
    for (int i = 0; i < 8; i++) {
      nonce[4 + i] = (byte) (n >>> (8 * i));
    }
    return nonce;
  }
}
