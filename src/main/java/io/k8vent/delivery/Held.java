package io.k8vent.delivery;

import java.io.ByteArrayOutputStream;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A delivery waiting in a queue. Its body is kept as is, or deflated when the queue holds more body
 * bytes than its budget: during a long outage every pod's latest state waits, and JSON pods deflate
 * to a fraction of their size (BENCHMARKS.md, outage). The body is restored, byte for byte, when
 * the delivery is sent.
 */
final class Held {
  private static final byte[] NO_BODY = new byte[0];

  private final Delivery delivery;
  private final byte[] deflated;
  private final int bodyLength;

  private Held(Delivery delivery, byte[] deflated, int bodyLength) {
    this.delivery = delivery;
    this.deflated = deflated;
    this.bodyLength = bodyLength;
  }

  static Held of(Delivery delivery, boolean deflate) {
    if (!deflate) {
      return new Held(delivery, null, delivery.body().length);
    }
    return new Held(delivery.withBody(NO_BODY), deflate(delivery.body()), delivery.body().length);
  }

  /** The delivery with its whole body, as it is sent. */
  Delivery delivery() {
    return deflated == null ? delivery : delivery.withBody(inflate(deflated, bodyLength));
  }

  /** The delivery for logs and metrics, without restoring its body. */
  Delivery summary() {
    return delivery;
  }

  /** Bytes of body this holds in memory. */
  int heldBytes() {
    return deflated == null ? bodyLength : deflated.length;
  }

  private static byte[] deflate(byte[] body) {
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    try {
      deflater.setInput(body);
      deflater.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream(body.length / 4 + 64);
      byte[] chunk = new byte[8192];
      while (!deflater.finished()) {
        out.write(chunk, 0, deflater.deflate(chunk));
      }
      return out.toByteArray();
    } finally {
      deflater.end();
    }
  }

  private static byte[] inflate(byte[] deflated, int length) {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(deflated);
      byte[] body = new byte[length];
      int n = 0;
      while (n < length && !inflater.finished()) {
        n += inflater.inflate(body, n, length - n);
      }
      if (n != length) {
        throw new IllegalStateException("a held body inflated to " + n + " bytes, not " + length);
      }
      return body;
    } catch (DataFormatException e) {
      throw new IllegalStateException("a held body does not inflate", e);
    } finally {
      inflater.end();
    }
  }
}
