package io.k8vent.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --webhook-ca-file is read when the settings are checked: a wrong file is a message naming the option. */
class CaBundleTest {
  static final String CA = """
      -----BEGIN CERTIFICATE-----
      MIIBTDCB8qADAgECAgkA22H10+HQ0TIwCgYIKoZIzj0EAwIwGTEXMBUGA1UEAxMO
      azh2ZW50LXRlc3QtY2EwIBcNMjYxMjAyMTExMTU3WhgPMjEyNjExMDgxMTExNTda
      MBkxFzAVBgNVBAMTDms4dmVudC10ZXN0LWNhMFkwEwYHKoZIzj0CAQYIKoZIzj0D
      AQcDQgAEwAiJtrdD8rVbDMKExNbWg8zLA9dpCwznPC7DIIlIGYqa4UcysuSiLFX6
      0WzSXleV4GBI2t+B8oy+/RkRVEGDf6MhMB8wHQYDVR0OBBYEFLWSrC+hxFdp/5qo
      jArQJ+MoL0IaMAoGCCqGSM49BAMCA0kAMEYCIQDPoOZam9GbY009ZU7ui5R9r+nX
      HcjhW/403uoSS4UHvQIhAIWDknTE5JyKhMKGA56f/Iw8t6SV/x95vWpoA5IdfPKi
      -----END CERTIFICATE-----
      """;

  @TempDir
  Path dir;

  @Test
  void aPemFileGivesItsCertificates() throws Exception {
    Path file = Files.writeString(dir.resolve("ca.pem"), "comment line\n" + CA + CA);
    assertThat(CaBundle.load(file)).hasSize(2)
        .allSatisfy(c -> assertThat(c.getSubjectX500Principal().getName()).isEqualTo("CN=k8vent-test-ca"));
  }

  @Test
  void missingEmptyOrNonCertificateFilesAreRefusedNamingTheOption() throws Exception {
    Path missing = dir.resolve("missing.pem");
    Path empty = Files.writeString(dir.resolve("empty.pem"), "");
    Path key = Files.writeString(dir.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n");
    Path broken = Files.writeString(dir.resolve("broken.pem"), CA.replace("MIIBTDCB8q", "AAAA"));
    for (Path file : new Path[] {missing, empty, key, broken, dir}) {
      assertThatThrownBy(() -> CaBundle.load(file)).as(file.toString()).isInstanceOf(ConfigException.class)
          .hasMessageContaining("--webhook-ca-file " + file).hasMessageContaining("PEM");
    }
    assertThatThrownBy(() -> CaBundle.load(empty)).hasMessageContaining("is empty");
    assertThatThrownBy(() -> CaBundle.load(key, "K8VENT_WEBHOOK_CA_FILE"))
        .hasMessageStartingWith("K8VENT_WEBHOOK_CA_FILE " + key).hasMessageContaining("no PEM certificate");
  }
}
