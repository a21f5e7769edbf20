package io.k8vent.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * The CA certificates of {@code --webhook-ca-file}: one or more PEM X.509 certificates. Read when the
 * settings are checked, so a wrong file stops k8vent at start with exit 2 instead of failing later,
 * while /healthz says all is well; and read again by the HTTPS transport that trusts them.
 */
public final class CaBundle {
  private static final String BEGIN = "-----BEGIN CERTIFICATE-----";

  private CaBundle() {}

  public static List<X509Certificate> load(Path file) {
    return load(file, "--webhook-ca-file");
  }

  /** As {@link #load(Path)}; a problem names {@code source}, the option or variable the path came from. */
  public static List<X509Certificate> load(Path file, String source) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw problem(source, file, "cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    if (!new String(bytes, StandardCharsets.US_ASCII).contains(BEGIN)) {
      throw problem(source, file, bytes.length == 0 ? "is empty" : "holds no PEM certificate (" + BEGIN + ")");
    }
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
        if (c instanceof X509Certificate x509) {
          certificates.add(x509);
        }
      }
    } catch (CertificateException e) {
      throw problem(source, file, "holds a certificate that does not parse as X.509");
    }
    if (certificates.isEmpty()) {
      throw problem(source, file, "holds no X.509 certificate");
    }
    return List.copyOf(certificates);
  }

  private static ConfigException problem(String source, Path file, String what) {
    return new ConfigException(source + " " + file + " " + what
        + "; give a file of PEM CA certificates, each between " + BEGIN + " and -----END CERTIFICATE-----");
  }
}
