package io.k8vent.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/** A one-cluster kubeconfig with a bearer token, as the demo's and the tests' API servers hand out. */
final class Kubeconfig {
  private Kubeconfig() {}

  /**
   * Writes {@code file}, readable by its owner only.
   *
   * @param skipTlsVerify for a loopback API server whose certificate is its own self-signed one
   */
  static Path write(Path file, String name, String server, String token, boolean skipTlsVerify) {
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: %1$s
          cluster:
            server: %2$s
        %4$scontexts:
        - name: %1$s
          context:
            cluster: %1$s
            user: %1$s
        current-context: %1$s
        users:
        - name: %1$s
          user:
            token: %3$s
        """.formatted(name, server, token, skipTlsVerify ? "    insecure-skip-tls-verify: true\n" : "");
    try {
      Files.writeString(file, yaml);
      if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
