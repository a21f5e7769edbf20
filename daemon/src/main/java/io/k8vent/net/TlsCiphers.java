package io.k8vent.net;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.vertx.core.net.ClientOptionsBase;
import io.vertx.core.net.JdkSSLEngineOptions;
import io.vertx.core.net.SSLEngineOptions;
import io.vertx.core.spi.tls.SslContextFactory;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The cipher suites k8vent's TLS clients offer, to the API server and to webhooks: those the JDK
 * enables by default, ChaCha20-Poly1305 first. k8vent runs on the JVM's C1 compiler only
 * ({@code bin/k8vent}), where AES-GCM has no intrinsics: it decrypts about 20 MB/s there, against
 * about 110 MB/s for ChaCha20-Poly1305 (BENCHMARKS.md, round 8). A server that honours the client's
 * order (Go's, so the kube-apiserver's) then picks ChaCha20; one that does not, or lacks it, picks
 * AES-GCM as before. Nothing the JDK disables is enabled.
 */
public final class TlsCiphers {
  private static final Set<String> CHACHA20 = Set.of("TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private TlsCiphers() {}

  /** The suites {@code context} enables by default, ChaCha20-Poly1305 ones first, the rest in the JDK's order. */
  public static List<String> preferred(SSLContext context) {
    String[] suites = context.createSSLEngine().getEnabledCipherSuites();
    List<String> ordered = new ArrayList<>(suites.length);
    for (String suite : suites) {
      if (CHACHA20.contains(suite)) {
        ordered.add(suite);
      }
    }
    for (String suite : suites) {
      if (!CHACHA20.contains(suite)) {
        ordered.add(suite);
      }
    }
    return ordered;
  }

  /** Sets {@code options} to offer the preferred suites; for clients whose TLS context Vert.x builds. */
  public static void offerPreferred(ClientOptionsBase options) {
    try {
      // No trust managers to load: the enabled suites do not depend on them.
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(new KeyManager[0], new TrustManager[0], null);
      preferred(context).forEach(options::addEnabledCipherSuite);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK offers no TLS context", e);
    }
  }

  /**
   * For a client whose TLS context another library builds as a Netty {@link JdkSslContext} (fabric8
   * builds the API server's from the kubeconfig, with Netty's default suites, which lack ChaCha20):
   * the same context, offering the preferred suites. Other engine options are left alone.
   */
  public static void offerPreferredOnBuiltContext(ClientOptionsBase options) {
    SSLEngineOptions engine = options.getSslEngineOptions();
    if (!options.isSsl() || !(engine instanceof JdkSSLEngineOptions)) {
      return;
    }
    SslContextFactory built = ((JdkSSLEngineOptions) engine).sslContextFactory();
    SslContextFactory reordered = () -> reorder(built.create());
    options.setSslEngineOptions(new JdkSSLEngineOptions() {
      @Override
      public JdkSSLEngineOptions copy() {
        return this;
      }

      @Override
      public SslContextFactory sslContextFactory() {
        return reordered;
      }
    });
  }

  private static SslContext reorder(SslContext context) {
    if (!(context instanceof JdkSslContext jdk) || !context.isClient()) {
      return context;
    }
    String[] protocols = jdk.newEngine(ByteBufAllocator.DEFAULT).getEnabledProtocols();
    return new JdkSslContext(jdk.context(), true, preferred(jdk.context()),
        IdentityCipherSuiteFilter.INSTANCE, ApplicationProtocolConfig.DISABLED, ClientAuth.NONE, protocols, false);
  }
}
