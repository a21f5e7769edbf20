package io.k8vent.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Parses a Prometheus text exposition with Prometheus's own Go parser (src/test/go/promparse), so
 * tests check /metrics against the format as Prometheus reads it, not as k8vent writes it.
 */
public final class PromParse {
  private PromParse() {}

  public static JsonNode parse(String exposition) throws IOException, InterruptedException {
    Path dir = Path.of("src", "test", "go", "promparse").toAbsolutePath();
    Process p = new ProcessBuilder("go", "run", ".").directory(dir.toFile()).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(exposition.getBytes(StandardCharsets.UTF_8));
    }
    byte[] out = p.getInputStream().readAllBytes();
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("Prometheus's parser rejected the exposition: " + err);
    }
    return new ObjectMapper().readTree(out);
  }

  /** The value of the sample of {@code family} whose labels include all of {@code labels}, or 0. */
  public static double value(JsonNode families, String family, Map<String, String> labels) {
    for (JsonNode sample : families.path(family).path("samples")) {
      boolean match = labels.entrySet().stream()
          .allMatch(e -> e.getValue().equals(sample.path("labels").path(e.getKey()).asText(null)));
      if (match) {
        return sample.path("value").asDouble();
      }
    }
    return 0;
  }
}
