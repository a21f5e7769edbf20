package io.k8vent.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Reads the kube/ manifests as users apply them, including through the seed's sed pipeline. */
final class Manifests {
  static final Path KUBE = Path.of("kube");
  static final String SED_TEAM = "s/T0REPLACE/TEAM_ID/g";
  static final String SED_ENV = "s/ENV_REPLACE/CLUSTER_ENV/g";

  private Manifests() {}

  static List<HasMetadata> parse(String yaml) {
    Object parsed = new KubernetesSerialization().unmarshal(yaml);
    if (parsed instanceof List<?> list) {
      return list.stream().map(HasMetadata.class::cast).toList();
    }
    return List.of((HasMetadata) parsed);
  }

  static String read(String file) {
    try {
      return Files.readString(KUBE.resolve(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The file through {@code sed -e 's/T0REPLACE/TEAM_ID/g' -e 's/ENV_REPLACE/CLUSTER_ENV/g'}, with real values. */
  static String sed(String file, String team, String env) {
    try {
      Process p = new ProcessBuilder("sed", "-e", SED_TEAM.replace("TEAM_ID", team), "-e",
          SED_ENV.replace("CLUSTER_ENV", env), KUBE.resolve(file).toString()).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("sed failed: " + new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
