package io.k8vent.watch;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the API server to gzip the answers to plain GETs (the pod list pages) and inflates them on
 * arrival. A page of 100 pods is about 1.4 MB of JSON and some 15 times less gzipped; without this
 * every byte of the initial list goes through TLS decryption, which was a third of k8vent's
 * start-up CPU (BENCHMARKS.md). Watches are left alone, so events are never held in a compressor's
 * buffer. A server may answer uncompressed (the API server compresses only large answers): the
 * first byte tells, since JSON never starts with gzip's magic 0x1f.
 */
final class GzipLists implements Interceptor {
  private static final Logger LOG = LoggerFactory.getLogger(GzipLists.class);
  static final String NAME = "k8vent-gzip-lists";

  @Override
  public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
    if (wantsGzip(request)) {
      builder.setHeader("Accept-Encoding", "gzip");
    }
  }

  @Override
  public AsyncBody.Consumer<List<ByteBuffer>> consumer(AsyncBody.Consumer<List<ByteBuffer>> consumer,
      HttpRequest request) {
    return "gzip".equals(request.header("Accept-Encoding")) ? new Gunzip(consumer) : consumer;
  }

  static boolean wantsGzip(HttpRequest request) {
    String query = request.uri().getRawQuery();
    return "GET".equals(request.method()) && (query == null || !query.contains("watch=true"));
  }

  /** Passes an uncompressed body through; inflates a gzip one (RFC 1952, one member) as it arrives. */
  static final class Gunzip implements AsyncBody.Consumer<List<ByteBuffer>> {
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private enum State { FIRST, PLAIN, HEADER, BODY, TRAILER, DONE }

    private final AsyncBody.Consumer<List<ByteBuffer>> downstream;
    private final CRC32 crc = new CRC32();
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private Inflater inflater;
    private byte[] scratch;
    private State state = State.FIRST;

    Gunzip(AsyncBody.Consumer<List<ByteBuffer>> downstream) {
      this.downstream = downstream;
    }

    @Override
    public void consume(List<ByteBuffer> buffers, AsyncBody body) throws Exception {
      if (state == State.FIRST) {
        int first = firstByte(buffers);
        if (first == 0x1f) {
          inflater = new Inflater(true);
          scratch = new byte[64 * 1024];
          state = State.HEADER;
        } else if (first >= 0) {
          state = State.PLAIN;
        }
      }
      if (state == State.PLAIN || state == State.FIRST) {
        downstream.consume(buffers, body);
        return;
      }
      List<ByteBuffer> out = new ArrayList<>();
      for (ByteBuffer buffer : buffers) {
        inflate(buffer, out);
      }
      downstream.consume(out, body);
    }

    @Override
    public <U> U unwrap(Class<U> target) {
      U self = AsyncBody.Consumer.super.unwrap(target);
      return self != null ? self : downstream.unwrap(target);
    }

    private static int firstByte(List<ByteBuffer> buffers) {
      for (ByteBuffer b : buffers) {
        if (b.hasRemaining()) {
          return b.get(b.position()) & 0xff;
        }
      }
      return -1;
    }

    private void inflate(ByteBuffer in, List<ByteBuffer> out) throws ZipException, DataFormatException {
      while (in.hasRemaining()) {
        switch (state) {
          case HEADER -> {
            pending.write(in.get());
            int length = headerLength(pending.toByteArray());
            if (length > 0) {
              pending.reset();
              state = State.BODY;
            }
          }
          case BODY -> {
            inflater.setInput(in);
            while (!inflater.finished() && !inflater.needsInput()) {
              int n = inflater.inflate(scratch);
              if (n == 0 && !inflater.finished() && !inflater.needsInput()) {
                throw new ZipException("gzip body cannot be inflated");
              }
              if (n > 0) {
                crc.update(scratch, 0, n);
                out.add(ByteBuffer.wrap(Arrays.copyOf(scratch, n)));
              }
            }
            if (inflater.finished()) {
              state = State.TRAILER;
            }
          }
          case TRAILER -> {
            pending.write(in.get());
            if (pending.size() == 8) {
              checkTrailer(pending.toByteArray());
              LOG.debug("a pod list page arrived gzipped: {} bytes, {} inflated", inflater.getBytesRead(),
                  inflater.getBytesWritten());
              inflater.end();
              state = State.DONE;
            }
          }
          default -> throw new ZipException("unexpected bytes after the end of the gzip body");
        }
      }
    }

    /** The header's length once {@code h} holds all of it, else 0 (more bytes needed). */
    static int headerLength(byte[] h) throws ZipException {
      if (h.length < 10) {
        return 0;
      }
      if ((h[0] & 0xff) != 0x1f || (h[1] & 0xff) != 0x8b || h[2] != 8) {
        throw new ZipException("not a gzip (deflate) body");
      }
      int flags = h[3] & 0xff;
      int at = 10;
      if ((flags & FEXTRA) != 0) {
        if (h.length < at + 2) {
          return 0;
        }
        at += 2 + ((h[at] & 0xff) | (h[at + 1] & 0xff) << 8);
      }
      for (int field : new int[] {FNAME, FCOMMENT}) {
        if ((flags & field) != 0) {
          while (at < h.length && h[at] != 0) {
            at++;
          }
          at++;
        }
      }
      if ((flags & FHCRC) != 0) {
        at += 2;
      }
      return h.length >= at ? at : 0;
    }

    private void checkTrailer(byte[] t) throws ZipException {
      long expectedCrc = le32(t, 0);
      long expectedSize = le32(t, 4);
      if (expectedCrc != crc.getValue() || expectedSize != (inflater.getBytesWritten() & 0xffffffffL)) {
        throw new ZipException("gzip body failed its CRC or size check");
      }
    }

    private static long le32(byte[] b, int at) {
      return (b[at] & 0xffL) | (b[at + 1] & 0xffL) << 8 | (b[at + 2] & 0xffL) << 16 | (b[at + 3] & 0xffL) << 24;
    }
  }
}
