package io.k8vent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.k8vent.config.ConfigException;
import java.util.Locale;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/** Applies --log-format (text for people, json for log pipelines) and --log-level. Logs go to stderr. */
public final class LogSetup {
  private LogSetup() {}

  public static void configure(String format, String level) {
    apply((LoggerContext) LoggerFactory.getILoggerFactory(), format, level);
  }

  /** Replaces the configuration of {@code context}; also the start-up default (see {@link DefaultConfigurator}). */
  static void apply(LoggerContext context, String format, String level) {
    Level rootLevel = parseLevel(level);
    context.reset();
    Encoder<ILoggingEvent> encoder = switch (format == null ? "text" : format.toLowerCase(Locale.ROOT)) {
      case "json" -> json(context);
      case "text" -> text(context);
      default -> throw new ConfigException("invalid --log-format \"" + format + "\"; use text or json");
    };
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(rootLevel);
    root.addAppender(appender);
    // The informer logs every failed list with a stack trace; WatchStatus reports them once, readably.
    if (rootLevel.isGreaterOrEqual(Level.INFO)) {
      context.getLogger("io.fabric8.kubernetes.client.informers.impl.cache.Reflector").setLevel(Level.ERROR);
    }
  }

  private static Level parseLevel(String level) {
    String l = level == null ? "info" : level.toLowerCase(Locale.ROOT);
    return switch (l) {
      case "trace", "debug", "info", "warn", "error" -> Level.toLevel(l);
      default -> throw new ConfigException("invalid --log-level \"" + level + "\"; use error, warn, info, debug or trace");
    };
  }

  private static Encoder<ILoggingEvent> text(LoggerContext context) {
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n");
    encoder.start();
    return encoder;
  }

  private static Encoder<ILoggingEvent> json(LoggerContext context) {
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.setIncludeContext(false);
    encoder.start();
    return encoder;
  }
}
