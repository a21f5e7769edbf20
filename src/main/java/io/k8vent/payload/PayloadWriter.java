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
 * {@code kind} and {@code apiVersion} added because list items lack them. The {@code env} object is
 * serialised once per distinct environment tag and reused.
 */
public final class PayloadWriter {
  public static final String ENVIRONMENT_VARIABLE = "ATOMIST_ENVIRONMENT";

  private static final int MAX_CACHED_TAGS = 256;

  private final ObjectMapper mapper;
  private final Map<String, String> baseEnv;
  private final byte[] baseEnvJson;
  private final Map<String, byte[]> envJsonByTag = new ConcurrentHashMap<>();

  /**
   * @param mapper the Kubernetes client's mapper, which knows how to write fabric8 model types
   * @param env the already filtered environment to send
   */
  public PayloadWriter(ObjectMapper mapper, Map<String, String> env) {
    this.mapper = mapper;
    this.baseEnv = new TreeMap<>(env);
    this.baseEnvJson = writeJson(baseEnv);
  }

  /** The body for {@code pod}, with ATOMIST_ENVIRONMENT set to {@code environment} when non-null. */
  public byte[] write(GenericKubernetesResource pod, String environment) {
    pod.setApiVersion("v1");
    pod.setKind("Pod");
    byte[] env = environment == null || environment.equals(baseEnv.get(ENVIRONMENT_VARIABLE))
        ? baseEnvJson
        : envJsonFor(environment);
    ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
    try {
      out.write("{\"pod\":".getBytes(StandardCharsets.US_ASCII));
      try (JsonGenerator gen = mapper.getFactory().createGenerator(out)) {
        gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
        mapper.writeValue(gen, pod);
      }
      out.write(",\"env\":".getBytes(StandardCharsets.US_ASCII));
      out.write(env);
      out.write('}');
    } catch (IOException e) {
      throw new UncheckedIOException("could not write the payload of pod "
          + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName(), e);
    }
    return out.toByteArray();
  }

  private byte[] envJsonFor(String tag) {
    byte[] cached = envJsonByTag.get(tag);
    if (cached != null) {
      return cached;
    }
    byte[] json = envWithTag(tag);
    // Tags come from pod annotations; cap the cache so pod authors cannot grow it without bound.
    if (envJsonByTag.size() < MAX_CACHED_TAGS) {
      envJsonByTag.put(tag, json);
    }
    return json;
  }

  private byte[] envWithTag(String tag) {
    Map<String, String> env = new TreeMap<>(baseEnv);
    env.put(ENVIRONMENT_VARIABLE, tag);
    return writeJson(env);
  }

  private byte[] writeJson(Map<String, String> env) {
    try {
      return mapper.writeValueAsBytes(env);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
