package io.k8vent.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * A 64-bit hash of a pod's content as {@code kubectl get -o json} shows it, less
 * {@code metadata.resourceVersion} (which every write moves), {@code metadata.managedFields} and
 * the type fields (which list items lack):
 * two states with the same fingerprint differ in nothing a receiver would call news. It is the
 * FNV-1a hash of the JSON k8vent would send, so anything that changes those bytes changes it.
 */
public final class PodFingerprint {
  private static final long OFFSET = 0xcbf29ce484222325L;
  private static final long PRIME = 0x100000001b3L;
  private static final ObjectMapper MAPPER = new ObjectMapper().addMixIn(ObjectMeta.class, WithoutVersions.class);

  private PodFingerprint() {}

  /** Jackson mix-in: metadata written without the fields every write changes. */
  @JsonIgnoreProperties({"resourceVersion", "managedFields"})
  private abstract static class WithoutVersions {}

  public static long of(GenericKubernetesResource pod) {
    Fnv hash = new Fnv();
    try (JsonGenerator gen = MAPPER.getFactory().createGenerator(hash)) {
      gen.writeStartObject();
      new JsonTree(gen, MAPPER).content(pod);
      gen.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return hash.value;
  }

  /** Hashes what is written to it. */
  private static final class Fnv extends OutputStream {
    long value = OFFSET;

    @Override
    public void write(int b) {
      value = (value ^ (b & 0xff)) * PRIME;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      long h = value;
      for (int i = off, end = off + len; i < end; i++) {
        h = (h ^ (b[i] & 0xff)) * PRIME;
      }
      value = h;
    }
  }
}
