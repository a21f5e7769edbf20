package io.k8vent.config;

/** A setting the operator gave is wrong; the message names it and says what to do. Exit code 2. */
public class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
