package io.k8vent.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.k8vent.net.TlsCiphers;
import io.k8vent.testing.TrustAnyServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The floor of bench/run's {@code floor} scenario: every pod of the cluster listed the way k8vent
 * asks for it (pages of 100, gzip, TLS with ChaCha20-Poly1305 offered first) and parsed into maps
 * without {@code metadata.managedFields}, with no framework: the JDK's HTTP client and Jackson's
 * streaming parser, one pod at a time, each dropped once parsed. Nothing is stored, compared or
 * delivered. It prints the pods it read; the harness measures its CPU from process start.
 *
 * <pre>
 * ListFloor --server https://127.0.0.1:PORT --token-file FILE
 * </pre>
 *
 * The bench API server's certificate is self-signed, so this tool trusts any server ({@link
 * TrustAnyServer}); it is never pointed at anything but the harness's loopback API server.
 */
public final class ListFloor {
  private static final int PAGE_SIZE = 100;

  private ListFloor() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = DeliveryCeiling.options(args);
    String server = opts.get("server");
    String token = Files.readString(Path.of(opts.get("token-file"))).trim();
    SSLContext tls = TrustAnyServer.context();
    SSLParameters params = tls.getDefaultSSLParameters();
    params.setCipherSuites(TlsCiphers.preferred(tls).toArray(String[]::new));
    HttpClient client = HttpClient.newBuilder().sslContext(tls).sslParameters(params)
        .version(HttpClient.Version.HTTP_1_1).build();
    ObjectMapper mapper = new ObjectMapper(new JsonFactoryBuilder().disable(JsonFactory.Feature.INTERN_FIELD_NAMES).build());
    long pods = 0;
    String next = null;
    do {
      URI page = URI.create(server + "/api/v1/pods?limit=" + PAGE_SIZE
          + (next == null ? "" : "&continue=" + URLEncoder.encode(next, StandardCharsets.UTF_8)));
      HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(page)
          .header("Authorization", "Bearer " + token).header("Accept", "application/json")
          .header("Accept-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofInputStream());
      if (response.statusCode() != 200) {
        throw new IOException("GET " + page + ": HTTP " + response.statusCode());
      }
      InputStream body = response.body();
      if (response.headers().firstValue("Content-Encoding").filter("gzip"::equals).isPresent()) {
        body = new GZIPInputStream(body, 64 * 1024);
      }
      try (JsonParser parser = mapper.getFactory().createParser(body)) {
        Page read = readPage(parser, mapper);
        pods += read.pods;
        next = read.next;
      }
    } while (next != null);
    System.out.println("pods " + pods);
  }

  private record Page(long pods, String next) {}

  /** Reads one list page: its continue token, and each item parsed and dropped. */
  private static Page readPage(JsonParser parser, ObjectMapper mapper) throws IOException {
    long pods = 0;
    String next = null;
    parser.nextToken();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      if (field.equals("metadata")) {
        Object token = mapper.readValue(parser, Map.class).get("continue");
        next = token == null || token.toString().isEmpty() ? null : token.toString();
      } else if (field.equals("items")) {
        while (parser.nextToken() == JsonToken.START_OBJECT) {
          readPod(parser, mapper);
          pods++;
        }
      } else {
        parser.skipChildren();
      }
    }
    return new Page(pods, next);
  }

  /** One pod as maps, {@code metadata.managedFields} skipped, as k8vent reads it by default. */
  private static Map<String, Object> readPod(JsonParser parser, ObjectMapper mapper) throws IOException {
    Map<String, Object> pod = new LinkedHashMap<>();
    while (parser.nextToken() == JsonToken.FIELD_NAME) {
      String field = parser.currentName();
      parser.nextToken();
      if (field.equals("metadata")) {
        Map<String, Object> meta = new LinkedHashMap<>();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String key = parser.currentName();
          parser.nextToken();
          if (key.equals("managedFields")) {
            parser.skipChildren();
          } else {
            meta.put(key, mapper.readValue(parser, Object.class));
          }
        }
        pod.put(field, meta);
      } else {
        pod.put(field, mapper.readValue(parser, Object.class));
      }
    }
    return pod;
  }
}
