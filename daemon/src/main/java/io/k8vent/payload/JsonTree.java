package io.k8vent.payload;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import java.util.function.BiConsumer;

/**
 * Writes a resource and the generic tree under it, exactly as Jackson writes a
 * GenericKubernetesResource, without Jackson's map serialiser (see {@link PayloadWriter}); one per
 * resource written. {@code mapper} writes the typed metadata (and any value that is not plain JSON).
 */
final class JsonTree implements BiConsumer<Object, Object> {
  private final JsonGenerator gen;
  private final ObjectMapper mapper;

  JsonTree(JsonGenerator gen, ObjectMapper mapper) {
    this.gen = gen;
    this.mapper = mapper;
  }

  /**
   * A pod as k8vent sends it, as Jackson writes a GenericKubernetesResource: {@code apiVersion} v1
   * and {@code kind} Pod first (list items lack them), then its content. With {@code phase}
   * non-null, {@code status.phase} is written as that (where it stands, else last). The pod is not
   * changed.
   */
  void pod(GenericKubernetesResource pod, String phase) throws IOException {
    gen.writeStartObject();
    gen.writeStringField("apiVersion", "v1");
    gen.writeStringField("kind", "Pod");
    if (phase == null) {
      content(pod);
    } else {
      metadata(pod);
      boolean hasStatus = false;
      for (Map.Entry<String, Object> field : pod.getAdditionalProperties().entrySet()) {
        if ("status".equals(field.getKey())) {
          hasStatus = true;
          gen.writeFieldName("status");
          statusWithPhase(field.getValue(), phase);
        } else {
          accept(field.getKey(), field.getValue());
        }
      }
      if (!hasStatus) {
        gen.writeFieldName("status");
        statusWithPhase(null, phase);
      }
    }
    gen.writeEndObject();
  }

  private void statusWithPhase(Object status, String phase) throws IOException {
    gen.writeStartObject();
    boolean hasPhase = false;
    if (status instanceof Map<?, ?> fields) {
      for (Map.Entry<?, ?> field : fields.entrySet()) {
        if ("phase".equals(field.getKey())) {
          hasPhase = true;
          gen.writeStringField("phase", phase);
        } else {
          accept(field.getKey(), field.getValue());
        }
      }
    }
    if (!hasPhase) {
      gen.writeStringField("phase", phase);
    }
    gen.writeEndObject();
  }

  /** The resource's metadata and other fields, without its type (which list items lack). */
  void content(GenericKubernetesResource resource) throws IOException {
    metadata(resource);
    resource.getAdditionalProperties().forEach(this);
  }

  private void metadata(GenericKubernetesResource resource) throws IOException {
    if (resource.getMetadata() != null) {
      gen.writeFieldName("metadata");
      mapper.writeValue(gen, resource.getMetadata());
    }
  }

  private void value(Object value) throws IOException {
    if (value == null) {
      gen.writeNull();
    } else if (value instanceof String s) {
      gen.writeString(s);
    } else if (value instanceof Map<?, ?> map) {
      gen.writeStartObject();
      map.forEach(this);
      gen.writeEndObject();
    } else if (value instanceof List<?> list) {
      gen.writeStartArray();
      if (list instanceof RandomAccess) {
        for (int i = 0, n = list.size(); i < n; i++) {
          value(list.get(i));
        }
      } else {
        for (Object item : list) {
          value(item);
        }
      }
      gen.writeEndArray();
    } else if (value instanceof Boolean b) {
      gen.writeBoolean(b);
    } else if (value instanceof Integer || value instanceof Long) {
      gen.writeNumber(((Number) value).longValue());
    } else if (value instanceof Double d) {
      gen.writeNumber(d);
    } else {
      // Big numbers and anything else, as Jackson writes them.
      mapper.writeValue(gen, value);
    }
  }

  /** One field of a map. */
  @Override
  public void accept(Object key, Object value) {
    try {
      gen.writeFieldName(key.toString());
      value(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
