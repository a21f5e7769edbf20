package io.k8vent.payload;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How a body goes on the wire: as k8vent's own JSON, or as a CloudEvent 1.0 over the HTTP binding
 * (binary mode: the same JSON body with {@code ce-*} headers; structured mode: one
 * {@code application/cloudevents+json} object whose {@code data} is that JSON). Built once per pod
 * event and shared by every webhook it goes to; signatures cover the bytes this returns.
 */
public final class WireFormat {
  public static final String JSON = "application/json";
  public static final String CLOUDEVENTS_JSON = "application/cloudevents+json; charset=UTF-8";
  /** The header (and CloudEvents extension) that says why a pod is reported deleted. */
  public static final String DELETION_HEADER = "X-K8vent-Deletion";
  private static final String[] NO_HEADERS = new String[0];

  public enum Kind {
    K8VENT, CLOUDEVENTS_BINARY, CLOUDEVENTS_STRUCTURED
  }

  /** Why a DELETED is sent: the pod is gone, or it no longer matches the selectors. */
  public enum Deletion {
    DELETED("deleted"), LEFT_SELECTION("left-selection");

    private final String text;

    Deletion(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }

  /** What to send: the body, its content type, and headers beyond k8vent's own (name, value, ...). */
  public record Message(byte[] body, String contentType, String[] headers) {}

  /** What happened, for the CloudEvents attributes. */
  public record Event(String type, String deliveryId, String namespace, String name, String environment,
      Deletion deletion) {}

  /**
   * What a receiver reads as the pod event from a parsed body: a structured CloudEvent's
   * {@code data}, else the body itself (k8vent JSON, or a binary-mode CloudEvent's body).
   */
  public static JsonNode payloadOf(JsonNode body) {
    return body != null && body.has("specversion") && body.has("data") ? body.get("data") : body;
  }

  private final Kind kind;
  private final String defaultEnvironment;
  private final Clock clock;
  private final ObjectMapper mapper = new ObjectMapper();

  /** {@code defaultEnvironment}: ATOMIST_ENVIRONMENT of the process, used when a pod has no tag of its own (may be null). */
  public WireFormat(Kind kind, String defaultEnvironment, Clock clock) {
    this.kind = kind;
    this.defaultEnvironment = defaultEnvironment;
    this.clock = clock;
  }

  public Kind kind() {
    return kind;
  }

  public Message wrap(byte[] json, Event event) {
    if (kind == Kind.K8VENT) {
      return new Message(json, JSON, deletionHeader(event));
    }
    Map<String, String> attributes = attributes(event);
    if (kind == Kind.CLOUDEVENTS_STRUCTURED) {
      attributes.put("datacontenttype", JSON);
      return new Message(structured(attributes, json), CLOUDEVENTS_JSON, deletionHeader(event));
    }
    List<String> headers = new ArrayList<>();
    attributes.forEach((name, value) -> {
      headers.add("ce-" + name);
      headers.add(value);
    });
    headers.addAll(List.of(deletionHeader(event)));
    return new Message(json, JSON, headers.toArray(String[]::new));
  }

  private static String[] deletionHeader(Event event) {
    return event.deletion() == null ? NO_HEADERS : new String[] {DELETION_HEADER, event.deletion().text()};
  }

  /** The context attributes; every value is printable ASCII, as binary mode's headers need. */
  private Map<String, String> attributes(Event event) {
    Map<String, String> attributes = new LinkedHashMap<>();
    attributes.put("specversion", "1.0");
    attributes.put("id", event.deliveryId());
    attributes.put("source", source(event));
    attributes.put("type", "io.k8vent.pod." + event.type().toLowerCase(Locale.ROOT));
    attributes.put("subject", event.namespace() + "/" + event.name());
    attributes.put("time", clock.instant().toString());
    if (event.deletion() != null) {
      attributes.put("k8ventdeletion", event.deletion().text());
    }
    return attributes;
  }

  /** {@code /k8vent/environments/ENV/namespaces/NS/pods/NAME}, without the environment part when there is none. */
  private String source(Event event) {
    String environment = event.environment() != null ? event.environment() : defaultEnvironment;
    StringBuilder source = new StringBuilder("/k8vent");
    if (environment != null && !environment.isEmpty()) {
      source.append("/environments/").append(segment(environment));
    }
    return source.append("/namespaces/").append(segment(event.namespace()))
        .append("/pods/").append(segment(event.name())).toString();
  }

  private static String segment(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private byte[] structured(Map<String, String> attributes, byte[] data) {
    try {
      byte[] head = mapper.writeValueAsBytes(attributes);
      ByteArrayOutputStream out = new ByteArrayOutputStream(head.length + data.length + 16);
      out.write(head, 0, head.length - 1);
      out.writeBytes(",\"data\":".getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(data);
      out.write('}');
      return out.toByteArray();
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
