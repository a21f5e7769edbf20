package io.k8vent.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

/** What --log-level and the text format do to the lines an operator reads. */
class LogSetupTest {
  private final LoggerContext context = new LoggerContext();

  private String textLine(String format, Object... args) {
    LoggingEvent event = new LoggingEvent("x", context.getLogger("io.k8vent.delivery.HttpSender"), Level.WARN, format,
        null, args);
    return LogSetup.textLayout(context).doLayout(event);
  }

  @Test
  void controlCharactersFromWebhooksAndPodsAreEscapedInTextLogs() {
    String line = textLine("webhook {} answered 500: {}", "http://h/", "oops\r\n12:00:00.000 INFO  fake - line\u001b[31m red");

    assertThat(line).endsWith("oops\\r\\n12:00:00.000 INFO  fake - line\\u001b[31m red" + System.lineSeparator())
        .doesNotContain("\u001b").doesNotContain("\r");
    assertThat(line.split(System.lineSeparator())).hasSize(1);
    assertThat(textLine("pod {}", "ns/na\u202eme\u0085\u0000")).contains("ns/na\\u202eme\\u0085\\u0000");
    assertThat(textLine("pod {} is Running, \"quoted\" and ünïcode", "ns/web-1"))
        .contains("pod ns/web-1 is Running, \"quoted\" and ünïcode");
  }

  @Test
  void debugAndTraceApplyToK8ventOnlyWhileLibrariesStayAtInfo() {
    LogSetup.apply(context, "text", "--log-format", "trace", "--log-level");

    assertThat(context.getLogger("io.k8vent.watch.PodSource").isTraceEnabled()).isTrue();
    for (String library : new String[] {"io.fabric8.kubernetes.client.http.HttpLoggingInterceptor", "io.vertx.core",
        "io.netty.handler", "org.eclipse.jetty.client", "jdk.internal.httpclient", "okhttp3.OkHttpClient"}) {
      assertThat(context.getLogger(library).isDebugEnabled()).as(library).isFalse();
      assertThat(context.getLogger(library).isInfoEnabled()).as(library).isTrue();
    }

    LogSetup.apply(context, "json", "--log-format", "warn", "--log-level");
    assertThat(context.getLogger("io.k8vent.watch.PodSource").isInfoEnabled()).isFalse();
    assertThat(context.getLogger("io.fabric8.kubernetes.client").isInfoEnabled()).isFalse();
  }
}
