package io.k8vent.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.k8vent.cli.Env;
import io.k8vent.cli.Signals;
import io.k8vent.cli.OptionValues;
import io.k8vent.cli.VersionCommand;
import io.k8vent.config.ConfigException;
import io.k8vent.sink.Sink;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "sink", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = VersionCommand.Lines.class,
    description = {
        "A local webhook receiver: prints every request k8vent (or link-image) sends, checks signatures "
            + "when given the secret, and can answer with errors to try retries by hand. Ctrl-C stops it.",
        "Every option can also be set by the environment variable shown; the option wins."})
final class SinkCommand implements Callable<Integer> {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final Env env;

  @Spec
  CommandSpec spec;

  SinkCommand(Env env) {
    this.env = env;
  }

  @Option(names = "--port", paramLabel = "PORT",
      description = "Port to listen on; 0 picks a free one. Default: 9000 (k8vent's own ops endpoint is on 8080). Env: K8VENT_SINK_PORT.")
  String port;

  @Option(names = "--bind", paramLabel = "ADDRESS",
      description = "Address to listen on; 0.0.0.0 accepts other machines. Default: 127.0.0.1. Env: K8VENT_SINK_BIND.")
  String bind;

  @Option(names = "--secret", paramLabel = "SECRET",
      description = "Check X-Atomist-Signature, X-K8vent-Signature-256 and the Standard Webhooks webhook-signature "
          + "with this secret and say per request whether they are valid; answer 401 when webhook-signature does not "
          + "verify or webhook-timestamp is more than 5 minutes off. Default: none (not checked). "
          + "Env: K8VENT_WEBHOOK_SECRET.")
  String secret;

  @Option(names = "--print", paramLabel = "summary|body",
      description = "summary: one line per request; body: that line and the JSON body. Default: summary. "
          + "Env: K8VENT_SINK_PRINT.")
  String print;

  @Option(names = "--fail", paramLabel = "STATUS",
      description = "Answer this HTTP status (e.g. 503) instead of 200. Default: none. Env: K8VENT_SINK_FAIL.")
  String fail;

  @Option(names = "--fail-count", paramLabel = "N",
      description = "With --fail, fail only the first N requests, then answer 200. Default: every request. "
          + "Env: K8VENT_SINK_FAIL_COUNT.")
  String failCount;

  @Override
  public Integer call() throws Exception {
    boolean bodies = switch (env.flagOrVariable(print, "K8VENT_SINK_PRINT", "summary").toLowerCase(Locale.ROOT)) {
      case "summary" -> false;
      case "body" -> true;
      default -> throw new ConfigException("invalid " + env.source(print, "--print", "K8VENT_SINK_PRINT") + " \""
          + env.flagOrVariable(print, "K8VENT_SINK_PRINT")
          + "\"; use summary or body");
    };
    String portSource = env.source(port, "--port", "K8VENT_SINK_PORT");
    int listenPort = OptionValues.port(env.flagOrVariable(port, "K8VENT_SINK_PORT", "9000"), portSource,
        "to pick a free port");
    String bindSource = env.source(bind, "--bind", "K8VENT_SINK_BIND");
    InetAddress address = OptionValues.address(env.flagOrVariable(bind, "K8VENT_SINK_BIND", "127.0.0.1"), bindSource);
    Sink.Failure failure = failure();
    String key = env.flagOrVariable(secret, "K8VENT_WEBHOOK_SECRET");
    PrintWriter out = spec.commandLine().getOut();
    CountDownLatch stopped = new CountDownLatch(1);
    try (Sink sink = listen(new InetSocketAddress(address, listenPort), bindSource, portSource, key, failure,
        r -> print(out, r, bodies))) {
      out.println("k8vent sink listening on " + where(sink, address) + " (any path); signatures "
          + (key == null ? "not checked: no --secret" : "checked") + (failure.status() == 0 ? ""
          : "; answering " + failure.status() + (failure.count() < 0 ? " to every request"
              : " to the first " + failure.count() + " request(s)")) + ". Ctrl-C stops it.");
      out.flush();
      Signals.onTermination(stopped::countDown);
      stopped.await();
    }
    out.println("k8vent sink stopped");
    return 0;
  }

  private static Sink listen(InetSocketAddress address, String bindSource, String portSource, String key,
      Sink.Failure failure, Consumer<Sink.Received> listener) {
    try {
      return new Sink(address, key, failure, listener);
    } catch (UncheckedIOException e) {
      throw new ConfigException("cannot listen on " + bindSource + " " + address.getAddress().getHostAddress() + " "
          + portSource + " " + address.getPort() + ": " + e.getCause().getMessage() + "; choose a free port ("
          + portSource + " 0 picks one) and an address of this host, e.g. 127.0.0.1 or 0.0.0.0");
    }
  }

  /**
   * The URL to POST to; when --bind is all addresses, the address as given (the JDK reports 0.0.0.0
   * as [::]) and then the URL to use from this machine.
   */
  private static String where(Sink sink, InetAddress requested) {
    if (!requested.isAnyLocalAddress()) {
      return sink.url("/").toString();
    }
    String any = requested instanceof Inet6Address ? "[::]" : "0.0.0.0";
    return any + ":" + sink.port() + ", all addresses of this host (from this machine: " + sink.url("/") + ")";
  }

  private Sink.Failure failure() {
    String status = env.flagOrVariable(fail, "K8VENT_SINK_FAIL");
    if (status == null) {
      if (env.flagOrVariable(failCount, "K8VENT_SINK_FAIL_COUNT") != null) {
        throw new ConfigException(env.source(failCount, "--fail-count", "K8VENT_SINK_FAIL_COUNT")
            + " needs --fail STATUS (or K8VENT_SINK_FAIL)");
      }
      return Sink.Failure.NONE;
    }
    int code;
    try {
      code = Integer.parseInt(status.trim());
    } catch (NumberFormatException e) {
      code = -1;
    }
    if (code < 300 || code > 599) {
      throw new ConfigException("invalid " + env.source(fail, "--fail", "K8VENT_SINK_FAIL") + " \"" + status
          + "\"; use an HTTP error status from 300 to 599");
    }
    String count = env.flagOrVariable(failCount, "K8VENT_SINK_FAIL_COUNT");
    return new Sink.Failure(code, count == null ? -1 : OptionValues.positiveInt(count,
        env.source(failCount, "--fail-count", "K8VENT_SINK_FAIL_COUNT")));
  }

  private static synchronized void print(PrintWriter out, Sink.Received request, boolean body) {
    out.println(request.summary());
    if (body) {
      JsonNode json = request.json();
      try {
        out.println(json == null ? new String(request.body(), StandardCharsets.UTF_8)
            : MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(json));
      } catch (java.io.IOException e) {
        out.println(new String(request.body(), StandardCharsets.UTF_8));
      }
    }
    out.flush();
  }
}
