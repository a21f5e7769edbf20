package io.k8vent.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** The CA certificates of {@code --webhook-ca-file}, read once at start-up. */
public final class CaBundle {
  private CaBundle() {}

  /** The certificates in {@code file}; a file that holds none is a {@link ConfigException}. */
  public static List<X509Certificate> load(Path file) {
    List<X509Certificate> certificates = new ArrayList<>();
    try (InputStream in = Files.newInputStream(file)) {
      for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        certificates.add((X509Certificate) c);
      }
    } catch (IOException | CertificateException e) {
      throw new ConfigException("cannot read --webhook-ca-file " + file + ": " + e.getMessage()
          + "; it must hold PEM certificates (-----BEGIN CERTIFICATE-----)");
    }
    if (certificates.isEmpty()) {
      throw new ConfigException("--webhook-ca-file " + file + " holds no certificate; it must hold PEM certificates");
    }
    return List.copyOf(certificates);
  }
}
