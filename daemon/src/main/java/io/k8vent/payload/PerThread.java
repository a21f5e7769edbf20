package io.k8vent.payload;

import java.security.GeneralSecurityException;

/**
 * One instance per thread of a JCA algorithm the JVM must have (a digest, a keyed Mac): set up once
 * per thread instead of at each use, where the provider look-up cost more than hashing a short input.
 */
public final class PerThread {
  /** Looks up (and keys) one instance. */
  @FunctionalInterface
  public interface Algorithm<T> {
    T create() throws GeneralSecurityException;
  }

  private PerThread() {}

  /** {@code name} says which algorithm the JVM lacks if {@code algorithm} cannot be set up. */
  public static <T> ThreadLocal<T> of(String name, Algorithm<T> algorithm) {
    return ThreadLocal.withInitial(() -> {
      try {
        return algorithm.create();
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException("the JVM lacks " + name, e);
      }
    });
  }
}
