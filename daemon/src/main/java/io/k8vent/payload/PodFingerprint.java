package io.k8vent.payload;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.function.BiConsumer;

/**
 * A 64-bit hash of a pod's content as {@code kubectl get -o json} shows it, less
 * {@code metadata.resourceVersion} (which every write moves), {@code metadata.managedFields} and
 * the type fields (which list items lack):
 * two states with the same fingerprint differ in nothing a receiver would call news.
 *
 * <p>It is FNV-1a over an unambiguous encoding of the content: the typed metadata as the JSON
 * k8vent would send, and the generic tree under the rest (spec, status: most of a pod) walked
 * directly, each value tagged with its type and each string with its length. Trade-off: the
 * informer fingerprints every pod state it receives, and walking the tree takes about 60% of the
 * time of writing it as JSON again (BENCHMARKS.md, round 8); every step is a bijection of the hash,
 * so two states that differ in one value never share a fingerprint.
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
    if (pod.getMetadata() != null) {
      hash.string("metadata");
      try (JsonGenerator gen = MAPPER.getFactory().createGenerator(hash)) {
        MAPPER.writeValue(gen, pod.getMetadata());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    hash.map(pod.getAdditionalProperties());
    return hash.value;
  }

  /**
   * Hashes what is written to it, and values of the generic tree; walks maps with forEach and lists
   * by index, as {@link JsonTree} does, so no iterator is made for each map of every pod state.
   */
  private static final class Fnv extends OutputStream implements BiConsumer<Object, Object> {
    long value = OFFSET;

    private void mix(long v) {
      value = (value ^ v) * PRIME;
    }

    void string(String s) {
      long h = (value ^ 's') * PRIME;
      h = (h ^ s.length()) * PRIME;
      for (int i = 0, n = s.length(); i < n; i++) {
        h = (h ^ s.charAt(i)) * PRIME;
      }
      value = h;
    }

    void map(Map<?, ?> map) {
      mix('{');
      map.forEach(this);
      mix('}');
    }

    /** One field of a map. */
    @Override
    public void accept(Object key, Object value) {
      string(String.valueOf(key));
      value(value);
    }

    private void value(Object v) {
      if (v == null) {
        mix('n');
      } else if (v instanceof String s) {
        string(s);
      } else if (v instanceof Map<?, ?> m) {
        map(m);
      } else if (v instanceof List<?> list) {
        mix('[');
        if (list instanceof RandomAccess) {
          for (int i = 0, n = list.size(); i < n; i++) {
            value(list.get(i));
          }
        } else {
          list.forEach(this::value);
        }
        mix(']');
      } else if (v instanceof Boolean b) {
        mix(b ? 't' : 'f');
      } else if (v instanceof Integer || v instanceof Long) {
        mix('i');
        mix(((Number) v).longValue());
      } else if (v instanceof Double d) {
        mix('d');
        mix(Double.doubleToLongBits(d));
      } else {
        // Big numbers and anything else: by the text that stands for their value.
        mix('o');
        string(v.getClass().getName());
        string(v.toString());
      }
    }

    @Override
    public void write(int b) {
      mix(b & 0xff);
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
