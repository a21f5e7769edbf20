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

  /** As Jackson writes GenericKubernetesResource: its non-null properties, then every other field. */
  void resource(GenericKubernetesResource resource) throws IOException {
    gen.writeStartObject();
    if (resource.getApiVersion() != null) {
      gen.writeStringField("apiVersion", resource.getApiVersion());
    }
    if (resource.getKind() != null) {
      gen.writeStringField("kind", resource.getKind());
    }
    content(resource);
    gen.writeEndObject();
  }

  /** The resource's metadata and other fields, without its type (which list items lack). */
  void content(GenericKubernetesResource resource) throws IOException {
    if (resource.getMetadata() != null) {
      gen.writeFieldName("metadata");
      mapper.writeValue(gen, resource.getMetadata());
    }
    resource.getAdditionalProperties().forEach(this);
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
