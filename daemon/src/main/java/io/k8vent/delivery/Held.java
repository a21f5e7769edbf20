package io.k8vent.delivery;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A delivery waiting in a queue. Its body is kept as is, or deflated when the queue holds more body
 * bytes than its budget: during a long outage every pod's latest state waits. Deflated against a
 * preset dictionary (another pod's body, kept by the queue), a pod shrinks to a few percent of its
 * size, since pods of one cluster share most of their text (BENCHMARKS.md, outage). The body is
 * restored, byte for byte, when the delivery is sent.
 */
final class Held {
  private static final byte[] NO_BODY = new byte[0];
  private static final ThreadLocal<Deflater> DEFLATERS = ThreadLocal.withInitial(() -> new Deflater(Deflater.BEST_SPEED));
  private static final ThreadLocal<Inflater> INFLATERS = ThreadLocal.withInitial(Inflater::new);

  private final Delivery delivery;
  private final byte[] deflated;
  private final byte[] dictionary;
  private final int bodyLength;

  private Held(Delivery delivery, byte[] deflated, byte[] dictionary, int bodyLength) {
    this.delivery = delivery;
    this.deflated = deflated;
    this.dictionary = dictionary;
    this.bodyLength = bodyLength;
  }

  /** The delivery as it is. */
  static Held of(Delivery delivery) {
    return new Held(delivery, null, null, delivery.body().length);
  }

  /** The delivery with its body deflated against {@code dictionary}. */
  static Held deflated(Delivery delivery, byte[] dictionary) {
    return new Held(delivery.withBody(NO_BODY), deflate(delivery.body(), dictionary), dictionary,
        delivery.body().length);
  }

  /** The delivery with its whole body, as it is sent. */
  Delivery delivery() {
    return deflated == null ? delivery : delivery.withBody(inflate(deflated, dictionary, bodyLength));
  }

  /** The delivery for logs and metrics, without restoring its body. */
  Delivery summary() {
    return delivery;
  }

  /** Bytes of body this holds in memory. */
  int heldBytes() {
    return deflated == null ? bodyLength : deflated.length;
  }

  private static byte[] deflate(byte[] body, byte[] dictionary) {
    Deflater deflater = DEFLATERS.get();
    deflater.reset();
    deflater.setDictionary(dictionary);
    deflater.setInput(body);
    deflater.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 8 + 64);
    byte[] chunk = new byte[4096];
    while (!deflater.finished()) {
      out.write(chunk, 0, deflater.deflate(chunk));
    }
    return out.toByteArray();
  }

  private static byte[] inflate(byte[] deflated, byte[] dictionary, int length) {
    Inflater inflater = INFLATERS.get();
    inflater.reset();
    inflater.setInput(deflated);
    byte[] body = new byte[length];
    int n = 0;
    try {
      while (n < length && !inflater.finished()) {
        int got = inflater.inflate(body, n, length - n);
        if (got == 0 && inflater.needsDictionary()) {
          inflater.setDictionary(dictionary);
        }
        n += got;
      }
    } catch (DataFormatException e) {
      throw new IllegalStateException("a held body does not inflate", e);
    }
    if (n != length) {
      throw new IllegalStateException("a held body inflated to " + n + " bytes, not " + length);
    }
    return body;
  }
}
