package io.k8vent.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import io.k8vent.config.ConfigException;
import java.util.Locale;
import net.logstash.logback.encoder.LogstashEncoder;
import org.slf4j.LoggerFactory;

/**
 * Applies --log-format (text for people, json for log pipelines) and --log-level. Logs go to stderr.
 *
 * <p>debug and trace apply to k8vent's own loggers only: the libraries stay at info, because their
 * debug and trace output includes HTTP requests to the API server with their Authorization header.
 */
public final class LogSetup {
  /** The text format's pattern; {@code %safeMsg} is the message with control characters escaped. */
  static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %safeMsg%n";

  private LogSetup() {}

  /** Applies the settings; {@code formatSource} and {@code levelSource} name where each came from. */
  public static void configure(String format, String formatSource, String level, String levelSource) {
    apply((LoggerContext) LoggerFactory.getILoggerFactory(), format, formatSource, level, levelSource);
  }

  /** Replaces the configuration of {@code context}; also the start-up default (see {@link DefaultConfigurator}). */
  static void apply(LoggerContext context, String format, String formatSource, String level, String levelSource) {
    Level requested = parseLevel(level, levelSource);
    context.reset();
    Encoder<ILoggingEvent> encoder = switch (format == null ? "text" : format.toLowerCase(Locale.ROOT)) {
      case "json" -> json(context);
      case "text" -> text(context);
      default -> throw new ConfigException("invalid " + formatSource + " \"" + format + "\"; use text or json");
    };
    ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
    appender.setContext(context);
    appender.setTarget("System.err");
    appender.setEncoder(encoder);
    appender.start();
    Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.setLevel(requested.isGreaterOrEqual(Level.INFO) ? requested : Level.INFO);
    root.addAppender(appender);
    context.getLogger("io.k8vent").setLevel(requested);
    // The informer logs every failed list with a stack trace; WatchStatus reports them once, readably.
    if (requested.isGreaterOrEqual(Level.INFO)) {
      context.getLogger("io.fabric8.kubernetes.client.informers.impl.cache.Reflector").setLevel(Level.ERROR);
    }
  }

  private static Level parseLevel(String level, String source) {
    String l = level == null ? "info" : level.toLowerCase(Locale.ROOT);
    return switch (l) {
      case "trace", "debug", "info", "warn", "error" -> Level.toLevel(l);
      default -> throw new ConfigException("invalid " + source + " \"" + level
          + "\"; use error, warn, info, debug or trace");
    };
  }

  private static Encoder<ILoggingEvent> text(LoggerContext context) {
    LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
    encoder.setContext(context);
    encoder.setLayout(textLayout(context));
    encoder.start();
    return encoder;
  }

  /** The text format's layout: {@link #TEXT_PATTERN} with {@code %safeMsg} defined. */
  static PatternLayout textLayout(LoggerContext context) {
    PatternLayout layout = new PatternLayout();
    layout.setContext(context);
    layout.getInstanceConverterMap().put("safeMsg", EscapedMessageConverter::new);
    layout.setPattern(TEXT_PATTERN);
    layout.start();
    return layout;
  }

  private static Encoder<ILoggingEvent> json(LoggerContext context) {
    LogstashEncoder encoder = new LogstashEncoder();
    encoder.setContext(context);
    encoder.setIncludeContext(false);
    encoder.start();
    return encoder;
  }
}
