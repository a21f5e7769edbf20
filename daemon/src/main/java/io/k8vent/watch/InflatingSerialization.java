package io.k8vent.watch;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/**
 * fabric8's serialization, reading answers that arrive gzip-compressed. k8vent asks the API server
 * for compressed answers ({@link KubeClients.AskForGzip}) and leaves them compressed through the HTTP
 * transport: fabric8 collects each list page whole before parsing it, and a page inflated by the
 * transport was grown in doubling buffers and then copied twice, each time at about eight times its
 * compressed size (BENCHMARKS.md, round 11). Here the page is inflated as Jackson reads it, by the
 * JDK's {@link GZIPInputStream}. The one step not left to a library is telling a compressed answer
 * from a plain one: fabric8 hands the serialization the body without its Content-Encoding header, so
 * an answer counts as compressed when it starts with gzip's two magic bytes, which no JSON or YAML
 * text does.
 */
final class InflatingSerialization extends KubernetesSerialization {
  /** Compressed bytes read from the page at a time. */
  private static final int COMPRESSED_CHUNK = 16 * 1024;

  InflatingSerialization(ObjectMapper mapper) {
    super(mapper, true);
  }

  @Override
  public <T> T unmarshal(InputStream is, TypeReference<T> type) {
    InputStream in = is.markSupported() ? is : new BufferedInputStream(is);
    try {
      in.mark(2);
      boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
      in.reset();
      return super.unmarshal(gzip ? new GZIPInputStream(in, COMPRESSED_CHUNK) : in, type);
    } catch (IOException e) {
      throw KubernetesClientException.launderThrowable(e);
    }
  }
}
