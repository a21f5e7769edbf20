package io.k8vent.watch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.StandardHttpRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

class GzipListsTest {
  private static final AsyncBody BODY = new AsyncBody() {
    @Override
    public void consume() {}

    @Override
    public CompletableFuture<Void> done() {
      return new CompletableFuture<>();
    }

    @Override
    public void cancel() {}
  };

  private static byte[] podListJson() {
    StringBuilder json = new StringBuilder("{\"kind\":\"PodList\",\"items\":[");
    Random random = new Random(7);
    for (int i = 0; i < 2000; i++) {
      json.append(i == 0 ? "" : ",").append("{\"metadata\":{\"name\":\"web-").append(i).append("\",\"uid\":\"")
          .append(Long.toHexString(random.nextLong())).append("\"},\"status\":{\"phase\":\"Running\"}}");
    }
    return json.append("]}").toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] gzip(byte[] plain) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(plain);
    }
    return out.toByteArray();
  }

  /** Feeds {@code wire} to a Gunzip in chunks of the given sizes (cycled) and returns what came out. */
  private static byte[] through(byte[] wire, int... chunkSizes) throws Exception {
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    AsyncBody.Consumer<List<ByteBuffer>> sink = (buffers, body) -> {
      for (ByteBuffer b : buffers) {
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        received.write(bytes);
      }
    };
    GzipLists.Gunzip gunzip = new GzipLists.Gunzip(sink);
    int at = 0;
    for (int i = 0; at < wire.length; i++) {
      int n = Math.min(chunkSizes[i % chunkSizes.length], wire.length - at);
      List<ByteBuffer> chunk = new ArrayList<>();
      chunk.add(ByteBuffer.wrap(wire, at, n).slice());
      gunzip.consume(chunk, BODY);
      at += n;
    }
    return received.toByteArray();
  }

  @Test
  void inflatesAGzipBodyHoweverItIsSplit() throws Exception {
    byte[] plain = podListJson();
    byte[] wire = gzip(plain);
    assertThat(wire.length).isLessThan(plain.length / 3);

    assertThat(through(wire, wire.length)).isEqualTo(plain);
    assertThat(through(wire, 1)).isEqualTo(plain);
    assertThat(through(wire, 3, 16384, 7, 1, 9000)).isEqualTo(plain);
  }

  @Test
  void readsTheOptionalHeaderFields() throws Exception {
    byte[] plain = podListJson();
    byte[] member = gzip(plain);
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    wire.write(member, 0, 3);
    wire.write(4 | 8 | 16); // FEXTRA, FNAME, FCOMMENT
    wire.write(member, 4, 6);
    wire.write(new byte[] {3, 0, 'a', 'b', 'c'});
    wire.write("pods.json\0a comment\0".getBytes(StandardCharsets.US_ASCII));
    wire.write(member, 10, member.length - 10);

    assertThat(through(wire.toByteArray(), 2, 5)).isEqualTo(plain);
  }

  @Test
  void passesAnUncompressedBodyThrough() throws Exception {
    byte[] plain = podListJson();

    assertThat(through(plain, 1000)).isEqualTo(plain);
  }

  @Test
  void aCorruptBodyFailsInsteadOfPassingWrongBytes() throws Exception {
    byte[] wire = gzip(podListJson());
    wire[wire.length - 6] ^= 0x55; // inside the CRC of the trailer

    assertThatThrownBy(() -> through(wire, 4096)).isInstanceOf(ZipException.class);
  }

  @Test
  void asksForGzipOnListsOnlyNeverOnWatches() {
    URI list = URI.create("https://api:6443/api/v1/pods?limit=100");
    URI watch = URI.create("https://api:6443/api/v1/pods?allowWatchBookmarks=true&resourceVersion=5&watch=true");

    assertThat(GzipLists.wantsGzip(new StandardHttpRequest.Builder().uri(list).build())).isTrue();
    assertThat(GzipLists.wantsGzip(new StandardHttpRequest.Builder().uri(watch).build())).isFalse();
    assertThat(GzipLists.wantsGzip(new StandardHttpRequest.Builder().uri(list).post("application/json", "{}").build()))
        .isFalse();
  }
}
