package io.k8vent;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version and commit baked into the jar at build time. */
public final class Version {
  public static final String VERSION;
  public static final String COMMIT;

  static {
    Properties p = new Properties();
    try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
    VERSION = p.getProperty("version", "dev");
    COMMIT = p.getProperty("commit", "unknown");
  }

  private Version() {}
}
