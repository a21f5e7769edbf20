package io.k8vent.payload;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Writes the webhook body {@code {"pod": …, "env": …}}. The pod is written from the generic tree
 * the API server sent (typed models drop fields sent as null and fields newer than the model), with
 * {@code kind} and {@code apiVersion} added because list items lack them. The {@code env} object
 * comes in two variants, the full filtered environment and only {@code ATOMIST_ENVIRONMENT} (for
 * webhooks a pod chose); each is serialised once per distinct environment tag and reused.
 *
 * <p>Contract: the pod's bytes are exactly what Jackson writes for the generic resource
 * (PayloadWriterTest holds it to that). Trade-off: the tree under it is walked by {@link JsonTree}
 * rather than Jackson's map serialiser, which costs less per event; bodies are written into a buffer
 * kept per thread, so one writer serves every thread.
 */
public final class PayloadWriter {
  public static final String ENVIRONMENT_VARIABLE = "ATOMIST_ENVIRONMENT";
  /** The {@code status.phase} a deleted pod is sent with. */
  public static final String DELETED_PHASE = "Deleted";

  private static final int MAX_CACHED_TAGS = 256;
  private static final byte[] POD = "{\"pod\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ENV = ",\"env\":".getBytes(StandardCharsets.US_ASCII);
  /** A buffer that grew past this for one big pod is not kept for the next. */
  private static final int MAX_KEPT_BUFFER = 256 * 1024;
  private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);

  /** Which variables a body's {@code env} holds. */
  public enum EnvScope {
    /** The whole filtered environment. */
    FULL,
    /** Only ATOMIST_ENVIRONMENT, when it has a value. */
    TAG_ONLY
  }

  private final ObjectMapper mapper;
  private final EnvJson full;
  private final EnvJson tagOnly;

  /**
   * @param mapper writes the typed metadata (fabric8's ObjectMeta) and any value that is not plain JSON
   * @param env the already filtered environment to send
   */
  public PayloadWriter(ObjectMapper mapper, Map<String, String> env) {
    this.mapper = mapper;
    this.full = new EnvJson(env);
    String tag = env.get(ENVIRONMENT_VARIABLE);
    this.tagOnly = new EnvJson(tag == null ? Map.of() : Map.of(ENVIRONMENT_VARIABLE, tag));
  }

  /**
   * The body for {@code pod} with the {@code scope} of env, ATOMIST_ENVIRONMENT set to
   * {@code environment} when non-null; a {@code deleted} pod is written with {@code status.phase}
   * {@value #DELETED_PHASE}. The pod is not changed.
   */
  public byte[] write(GenericKubernetesResource pod, String environment, EnvScope scope, boolean deleted) {    byte[] env = (scope == EnvScope.FULL ? full : tagOnly).json(environment);
    Buffer out = BUFFERS.get();
    out.reset();
    try {
      out.write(POD);
      try (JsonGenerator gen = mapper.getFactory().createGenerator(out)) {
        gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        new JsonTree(gen, mapper).pod(pod, deleted ? DELETED_PHASE : null);
      }
      out.write(ENV);
      out.write(env);
      out.write('}');
    } catch (IOException e) {
      throw failed(pod, e);
    } catch (UncheckedIOException e) {
      throw failed(pod, e.getCause());
    }
    byte[] body = out.toByteArray();
    if (out.capacity() > MAX_KEPT_BUFFER) {
      BUFFERS.remove();
    }
    return body;
  }

  private static UncheckedIOException failed(GenericKubernetesResource pod, IOException e) {
    return new UncheckedIOException("could not write the payload of pod "
        + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(), e);
  }

  /** A body's bytes, kept per thread and reused. */
  private static final class Buffer extends ByteArrayOutputStream {
    Buffer() {
      super(16 * 1024);
    }

    int capacity() {
      return buf.length;
    }
  }

  /** One variant of the env object, serialised once per environment tag. */
  private final class EnvJson {
    private final Map<String, String> base;
    private final byte[] baseJson;
    private final Map<String, byte[]> byTag = new ConcurrentHashMap<>();

    EnvJson(Map<String, String> env) {
      this.base = new TreeMap<>(env);
      this.baseJson = writeJson(base);
    }

    byte[] json(String tag) {
      if (tag == null || tag.equals(base.get(ENVIRONMENT_VARIABLE))) {
        return baseJson;
      }
      byte[] cached = byTag.get(tag);
      if (cached != null) {
        return cached;
      }
      Map<String, String> env = new TreeMap<>(base);
      env.put(ENVIRONMENT_VARIABLE, tag);
      byte[] json = writeJson(env);
      // Tags come from pod annotations; cap the cache so pod authors cannot grow it without bound.
      if (byTag.size() < MAX_CACHED_TAGS) {
        byTag.put(tag, json);
      }
      return json;
    }
  }

  private byte[] writeJson(Map<String, String> env) {
    try {
      return mapper.writeValueAsBytes(env);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
