package io.k8vent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.Settings;
import io.k8vent.payload.WireFormat;
import io.k8vent.route.AnnotationOptIns;
import io.k8vent.route.AnnotationPolicy;
import io.k8vent.watch.FieldSelector;
import io.k8vent.watch.PodEvent;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** What a user sees at start-up: exit codes and messages. */
class MainTest {
  @TempDir
  Path home;

  record Run(int code, String out, String err) {}

  private Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    Map<String, String> withHome = new HashMap<>(env);
    withHome.putIfAbsent("HOME", home.toString());
    int code = Main.run(args, withHome, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private static Settings settings(Map<String, String> env, String... args) {
    CommandLine cli = Main.commandLine(env, e -> List.of());
    cli.parseArgs(args);
    return ((RunCommand) cli.getCommand()).settings();
  }

  @Test
  void noUrlAtAllIsAUsageErrorThatSaysHowToSetOne() {
    Run r = run(Map.of());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--url").contains("K8VENT_WEBHOOKS").doesNotContain("\tat ");
  }

  @Test
  void theDaemonsJarSaysWhereTheToolsAre() {
    Run text = run(Map.of(), "sink", "--port", "0");
    assertThat(text.code()).isEqualTo(2);
    assertThat(text.err()).startsWith("k8vent: 'sink' is one of k8vent's tools").contains("tools/target/k8vent.jar")
        .doesNotContain("Usage:");

    Run json = run(Map.of("K8VENT_LOG_FORMAT", "json"), "demo");
    assertThat(json.code()).isEqualTo(2);
    assertThat(json.err().strip()).startsWith("{").endsWith("}").contains("'demo' is one of k8vent's tools")
        .contains("\"exit_code\":2");
  }

  @Test
  void malformedUrlsNameTheBadValue() {
    Run flag = run(Map.of(), "--url", "ht!tp://bad url");
    assertThat(flag.code()).isEqualTo(2);
    assertThat(flag.err()).contains("\"ht!tp://bad url\"").contains("--url");

    Run env = run(Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a,ftp://x"));
    assertThat(env.code()).isEqualTo(2);
    assertThat(env.err()).contains("\"ftp://x\"").contains("K8VENT_WEBHOOKS").contains("http or https");

    Run empty = run(Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a,,https://b.example.com"));
    assertThat(empty.code()).isEqualTo(2);
    assertThat(empty.err()).contains("empty URL");
  }

  @Test
  void credentialsInABadUrlAreNotEchoed() {
    Run r = run(Map.of(), "--url", "ftp://user:pa55@x.com/h?token=t0k3n");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).doesNotContain("pa55").doesNotContain("t0k3n");
  }

  @Test
  void unknownFlagShowsUsage() {
    Run r = run(Map.of(), "--no-such-flag");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("Unknown option: '--no-such-flag'").contains("Usage: k8vent");
  }

  @Test
  void badValuesOfOtherFlagsAreNamed() {
    Map<String, String> env = Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a");
    assertThat(run(env, "--max-in-flight", "0").err()).contains("--max-in-flight");
    assertThat(run(env, "--retry-max-delay", "soon").err()).contains("--retry-max-delay");
    assertThat(run(env, "--annotation-webhooks", "maybe").err()).contains("--annotation-webhooks");
    assertThat(run(env, "--log-format", "xml").err()).contains("--log-format");
    assertThat(run(env, "--webhook-ca-file", home.resolve("missing.pem").toString()).err()).contains("--webhook-ca-file");
    assertThat(run(env, "--max-in-flight", "0").code()).isEqualTo(2);
  }

  @Test
  void badSelectorsEventTypesAndFormatsExitTwoNamingTheOption() {
    Map<String, String> env = Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a");
    Map<String[], String> cases = new java.util.LinkedHashMap<>();
    cases.put(new String[] {"--label-selector", "app in web"}, "--label-selector \"app in web\" expects '('");
    cases.put(new String[] {"--field-selector", "spec.host=a"}, "--field-selector \"spec.host=a\": pods cannot be");
    cases.put(new String[] {"--events", "ADDED,CREATED"}, "invalid --events \"CREATED\"; use ADDED, MODIFIED or DELETED");
    cases.put(new String[] {"--events", ""}, "--events names no event type");
    cases.put(new String[] {"--changes", "some"}, "invalid --changes \"some\"; use visible or all");
    cases.put(new String[] {"--format", "json"}, "invalid --format \"json\"; use k8vent or cloudevents");
    cases.put(new String[] {"--cloudevents-mode", "batch"}, "invalid --cloudevents-mode \"batch\"");
    cases.forEach((args, message) -> {
      Run r = run(env, args);
      assertThat(r.code()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).contains(message);
    });
    Run fromEnv = run(Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a", "K8VENT_LABEL_SELECTOR", "=x"));
    assertThat(fromEnv.code()).isEqualTo(2);
    assertThat(fromEnv.err()).contains("K8VENT_LABEL_SELECTOR \"=x\" expects a label key");
  }

  @Test
  void selectorsEventTypesChangesAndFormatReachTheSettingsFromFlagsOrEnvironment() {
    Settings flags = settings(Map.of(), "--url", "https://ok.example.com/a", "--label-selector", "app=web,tier!=db",
        "--field-selector", "spec.nodeName=n1", "--events", "modified,DELETED", "--changes", "all", "--format",
        "cloudevents", "--cloudevents-mode", "structured");
    assertThat(flags.selection().labels().text()).isEqualTo("app=web,tier!=db");
    assertThat(flags.selection().fields().terms()).containsExactly(new FieldSelector.Term("spec.nodeName", true, "n1"));
    assertThat(flags.selection().events()).containsExactlyInAnyOrder(PodEvent.Type.MODIFIED, PodEvent.Type.DELETED);
    assertThat(flags.selection().visibleChangesOnly()).isFalse();
    assertThat(flags.format()).isEqualTo(WireFormat.Kind.CLOUDEVENTS_STRUCTURED);

    Settings fromEnv = settings(Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a", "K8VENT_LABEL_SELECTOR", "app",
        "K8VENT_EVENTS", "ADDED", "K8VENT_FORMAT", "CloudEvents"));
    assertThat(fromEnv.selection().labels().text()).isEqualTo("app");
    assertThat(fromEnv.selection().fields()).isNull();
    assertThat(fromEnv.selection().events()).containsExactly(PodEvent.Type.ADDED);
    assertThat(fromEnv.selection().visibleChangesOnly()).isTrue();
    assertThat(fromEnv.format()).isEqualTo(WireFormat.Kind.CLOUDEVENTS_BINARY);

    Settings defaults = settings(Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a"));
    assertThat(defaults.selection()).isEqualTo(io.k8vent.watch.Selection.DEFAULT);
    assertThat(defaults.format()).isEqualTo(WireFormat.Kind.K8VENT);
  }

  @Test
  void aBadManagedFieldsChoiceExitsTwoNamingTheOption() {
    Run flag = run(Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a"), "--managed-fields", "strip");
    assertThat(flag.code()).isEqualTo(2);
    assertThat(flag.err()).contains("--managed-fields").contains("drop or keep");
    Run fromEnv = run(Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a", "K8VENT_MANAGED_FIELDS", "yes"));
    assertThat(fromEnv.code()).isEqualTo(2);
    assertThat(fromEnv.err()).contains("K8VENT_MANAGED_FIELDS");
  }

  @Test
  void badAnnotationOptInsAndWhsecSecretsExitTwoNamingTheOption() {
    Map<String, String> env = Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a");
    Run scope = run(env, "--annotation-env", "everything");
    assertThat(scope.code()).isEqualTo(2);
    assertThat(scope.err()).contains("--annotation-env").contains("minimal or full");
    Run sign = run(env, "--sign-annotation-webhooks=yes");
    assertThat(sign.code()).isEqualTo(2);
    assertThat(sign.err()).contains("--sign-annotation-webhooks").contains("true or false");
    Run fromEnv = run(Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a", "K8VENT_ANNOTATION_ENV", "all"));
    assertThat(fromEnv.code()).isEqualTo(2);
    assertThat(fromEnv.err()).contains("K8VENT_ANNOTATION_ENV");
    Run whsec = run(env, "--secret", "whsec_not*base64!");
    assertThat(whsec.code()).isEqualTo(2);
    assertThat(whsec.err()).contains("whsec_").contains("base64").doesNotContain("not*base64!");
  }

  @Test
  void annotationWebhooksGetTheTagOnlyUnsignedUnlessTheOperatorOptsIn() {
    assertThat(settings(Map.of(), "--url", "https://ok.example.com/a").annotationOptIns())
        .isEqualTo(new AnnotationOptIns(false, false));
    assertThat(settings(Map.of(), "--url", "https://ok.example.com/a", "--annotation-env=full",
        "--sign-annotation-webhooks").annotationOptIns()).isEqualTo(new AnnotationOptIns(true, true));
    assertThat(settings(Map.of("K8VENT_ANNOTATION_ENV", "FULL", "K8VENT_SIGN_ANNOTATION_WEBHOOKS", "true"),
        "--url", "https://ok.example.com/a").annotationOptIns()).isEqualTo(new AnnotationOptIns(true, true));
    assertThat(settings(Map.of("K8VENT_SIGN_ANNOTATION_WEBHOOKS", "true"), "--url", "https://ok.example.com/a",
        "--sign-annotation-webhooks=false").annotationOptIns().signed()).as("the option wins").isFalse();
  }

  @Test
  void noClusterIsOneReadableParagraph() {
    Run r = run(Map.of(), "--url", "https://ok.example.com/a", "--ops-port", "0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).startsWith("k8vent: found no Kubernetes cluster").contains("in-cluster service account")
        .contains("KUBECONFIG").contains(".kube/config").contains("k8vent demo").doesNotContain("\tat ");
  }

  @Test
  void unreachableApiServerSaysWhereItLooked() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Path kubeconfig = home.resolve("config");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "http://127.0.0.1:%d"}}]
        contexts: [{name: c, context: {cluster: c, user: u}}]
        current-context: c
        users: [{name: u, user: {token: abc}}]
        """.formatted(port));
    Run r = run(Map.of(), "--url", "https://ok.example.com/a", "--kubeconfig", kubeconfig.toString(), "--ops-port", "0");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("could not reach the Kubernetes API server at http://127.0.0.1:" + port)
        .contains(kubeconfig.toString()).doesNotContain("\tat ");
  }

  @Test
  void aContextNotInTheKubeconfigIsAnErrorNotTheCurrentContext() throws Exception {
    Path kubeconfig = home.resolve("two-contexts");
    Files.writeString(kubeconfig, """
        apiVersion: v1
        kind: Config
        clusters: [{name: dead, cluster: {server: "http://127.0.0.1:9"}}, {name: live, cluster: {server: "http://127.0.0.1:9"}}]
        contexts: [{name: dead, context: {cluster: dead, user: u}}, {name: live, context: {cluster: live, user: u}}]
        current-context: dead
        users: [{name: u, user: {token: abc}}]
        """);
    Run flag = run(Map.of(), "--url", "https://ok.example.com/a", "--kubeconfig", kubeconfig.toString(),
        "--context", "nosuch", "--ops-port", "0");
    assertThat(flag.code()).isEqualTo(2);
    assertThat(flag.err()).contains("context \"nosuch\"").contains("dead, live").contains(kubeconfig.toString())
        .doesNotContain("\tat ");
    Run fromEnv = run(Map.of("K8VENT_CONTEXT", "liv", "K8VENT_OPS_PORT", "0"), "--url", "https://ok.example.com/a",
        "--kubeconfig", kubeconfig.toString());
    assertThat(fromEnv.code()).isEqualTo(2);
    assertThat(fromEnv.err()).contains("context \"liv\"");
  }

  @Test
  void aWebhookOnK8ventsOwnOpsPortIsRefused() {
    Run own = run(Map.of(), "--url", "http://127.0.0.1:8080/");
    assertThat(own.code()).isEqualTo(2);
    assertThat(own.err()).contains("k8vent's own ops endpoint (--ops-port 8080)");
    Run localhost = run(Map.of("K8VENT_OPS_PORT", "9100"), "--url", "http://localhost:9100/hook");
    assertThat(localhost.code()).isEqualTo(2);
    Run elsewhere = run(Map.of(), "--url", "http://127.0.0.1:8080/", "--ops-port", "9100");
    assertThat(elsewhere.err()).doesNotContain("own ops endpoint");
  }

  @Test
  void urlFlagsReplaceTheEnvironmentListAndAreNeverMerged() {
    Map<String, String> env = Map.of("K8VENT_WEBHOOKS", "https://env-a.example.com/1, https://env-b.example.com/2");
    assertThat(settings(env).webhooks()).containsExactly(
        URI.create("https://env-a.example.com/1"), URI.create("https://env-b.example.com/2"));
    assertThat(settings(env, "-u", "https://flag.example.com/x", "--url", "https://flag2.example.com/y").webhooks())
        .containsExactly(URI.create("https://flag.example.com/x"), URI.create("https://flag2.example.com/y"));
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    Settings s = settings(Map.of(), "--url", "https://ok.example.com/a");
    assertThat(s.maxInFlight()).isEqualTo(8);
    assertThat(s.retryPolicy().initial()).isEqualTo(Duration.ofMillis(500));
    assertThat(s.retryPolicy().max()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.retryPolicy().giveUpAfter()).isEqualTo(Duration.ofMinutes(15));
    assertThat(s.connectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.shutdownTimeout()).isEqualTo(Duration.ofSeconds(20));
    assertThat(s.namespaces()).isEmpty();
    assertThat(s.secret()).isNull();
    assertThat(s.annotationPolicy().refusal(URI.create("http://anything.internal/"))).isEmpty();
  }

  @Test
  void everySettingCanComeFromTheEnvironment() {
    Settings s = settings(Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a", "K8VENT_WEBHOOK_SECRET", "sh",
        "K8VENT_NAMESPACE", "a, b", "K8VENT_MAX_IN_FLIGHT", "3", "K8VENT_ANNOTATION_WEBHOOKS", "deny",
        "K8VENT_RETRY_GIVE_UP_AFTER", "2m", "K8VENT_SHUTDOWN_TIMEOUT", "5s"));
    assertThat(s.secret()).isEqualTo("sh");
    assertThat(s.namespaces()).containsExactly("a", "b");
    assertThat(s.maxInFlight()).isEqualTo(3);
    assertThat(s.annotationPolicy().refusal(URI.create("https://x.com/"))).isPresent();
    assertThat(s.retryPolicy().giveUpAfter()).isEqualTo(Duration.ofMinutes(2));
    assertThat(s.shutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.toString()).doesNotContain("sh,").contains("secret=set");
  }

  @Test
  void helpListsEveryFlagWithItsEnvironmentVariable() {
    Run r = run(Map.of(), "--help");
    assertThat(r.code()).isZero();
    for (String flag : new String[] {"--url", "--secret", "--namespace", "--kubeconfig", "--context", "--env-include",
        "--env-exclude", "--annotation-webhooks", "--webhook-allow", "--max-in-flight", "--retry-initial-delay",
        "--retry-max-delay", "--retry-give-up-after", "--connect-timeout", "--request-timeout", "--webhook-ca-file",
        "--shutdown-timeout", "--log-format", "--log-level", "--annotation-env", "--sign-annotation-webhooks"}) {
      assertThat(r.out()).contains(flag);
    }
    assertThat(r.out()).contains("K8VENT_WEBHOOKS").contains("K8VENT_WEBHOOK_SECRET").contains("K8VENT_ANNOTATION_ENV")
        .contains("K8VENT_SIGN_ANNOTATION_WEBHOOKS");
  }

  @Test
  void annotationPolicyDefaultIsSeedCompatible() {
    assertThat(AnnotationPolicy.allowAll().refusal(URI.create("https://x.com/"))).isEmpty();
  }

  private static final Map<String, String> URL = Map.of("K8VENT_WEBHOOKS", "https://ok.example.com/a");

  /** A start-up refusal: exit 2, one line, no stack trace. */
  private Run refused(Map<String, String> env, String... args) {
    Run r = run(env, args);
    assertThat(r.code()).as(r.err()).isEqualTo(2);
    assertThat(r.err().strip()).as(r.err()).startsWith("k8vent: ").doesNotContain("\n").doesNotContain("Exception");
    return r;
  }

  @Test
  void aCaFileThatIsNotPemCertificatesStopsTheStart() throws Exception {
    Path notPem = Files.writeString(home.resolve("ca.pem"), "this is not a certificate\n");
    assertThat(refused(URL, "--webhook-ca-file", notPem.toString()).err())
        .contains("--webhook-ca-file " + notPem).contains("no PEM certificate");
    Path empty = Files.writeString(home.resolve("empty.pem"), "");
    Map<String, String> env = new HashMap<>(URL);
    env.put("K8VENT_WEBHOOK_CA_FILE", empty.toString());
    assertThat(refused(env).err()).contains("K8VENT_WEBHOOK_CA_FILE " + empty).contains("is empty");
  }

  @Test
  void anEmptySecretIsAMistakeNotAnUnsignedRun() {
    Map<String, String> env = new HashMap<>(URL);
    env.put("K8VENT_WEBHOOK_SECRET", "");
    assertThat(refused(env).err()).contains("K8VENT_WEBHOOK_SECRET is empty").contains("leave").contains("unset");
    assertThat(refused(URL, "--secret", "").err()).contains("--secret is empty");
  }

  @Test
  void durationsMustBeInRange() {
    assertThat(refused(URL, "--request-timeout", "99999999999h").err())
        .contains("invalid --request-timeout \"99999999999h\"").contains("at most 24h");
    assertThat(refused(URL, "--connect-timeout", "0s").err()).contains("--connect-timeout").contains("greater than zero");
    assertThat(refused(URL, "--shutdown-timeout", "PT-5S").err()).contains("--shutdown-timeout");
    assertThat(refused(URL, "--retry-give-up-after", "99999999999999999999h").err()).contains("--retry-give-up-after");
    assertThat(refused(URL, "--leader-elect", "--leader-elect-lease-duration", "2s").err())
        .contains("--leader-elect-lease-duration").contains("at least 3s");
    assertThat(refused(URL, "--retry-initial-delay", "2m", "--retry-max-delay", "1m").err())
        .contains("--retry-initial-delay (2m) is longer than --retry-max-delay (1m)");
    Map<String, String> env = new HashMap<>(URL);
    env.put("K8VENT_RETRY_MAX_DELAY", "25h");
    assertThat(refused(env).err()).contains("invalid K8VENT_RETRY_MAX_DELAY \"25h\"");
  }

  @Test
  void webhookUrlsNeedAPortInRangeAndNoUserInfo() {
    assertThat(refused(Map.of(), "--url", "https://h.example.com:0/x").err()).contains("port must be from 1 to 65535");
    assertThat(refused(Map.of("K8VENT_WEBHOOKS", "https://h.example.com:70000/x")).err())
        .contains("K8VENT_WEBHOOKS").contains("port must be from 1 to 65535");
    assertThat(refused(Map.of(), "--url", "https://hookuser:hookpa55@h.example.com/x").err())
        .contains("user-info").contains("--secret").doesNotContain("hookpa55");
  }

  @Test
  void aBadValueFromTheEnvironmentNamesTheVariable() {
    Map<String, String> env = new HashMap<>(URL);
    env.put("K8VENT_MAX_IN_FLIGHT", "abc");
    assertThat(refused(env).err()).contains("invalid K8VENT_MAX_IN_FLIGHT \"abc\"").doesNotContain("--max-in-flight");
    assertThat(refused(env, "--max-in-flight", "x").err()).contains("invalid --max-in-flight \"x\"");
    assertThat(refused(URL, "--max-in-flight", "100000").err()).contains("at most 256");
    for (String[] variable : new String[][] {{"K8VENT_OPS_PORT", "http"}, {"K8VENT_LOG_LEVEL", "loud"},
        {"K8VENT_LOG_FORMAT", "xml"}, {"K8VENT_ANNOTATION_WEBHOOKS", "maybe"}, {"K8VENT_CONNECT_TIMEOUT", "soon"},
        {"K8VENT_LEADER_ELECT", "yes"}, {"K8VENT_WEBHOOK_ALLOW", "ftp://x"}, {"K8VENT_OPS_BIND", "not an address"}}) {
      Map<String, String> bad = new HashMap<>(URL);
      bad.put(variable[0], variable[1]);
      assertThat(refused(bad).err()).as(variable[0]).contains(variable[0]);
    }
  }

  @Test
  void opsBindDefaultsToAllAddressesAndRefusesWhatIsNotAnAddress() {
    CommandLine cli = Main.commandLine(URL, e -> List.of());
    cli.parseArgs();
    assertThat(((RunCommand) cli.getCommand()).opsAddress().isAnyLocalAddress()).isTrue();
    assertThat(refused(URL, "--ops-bind", "300.1.2.3").err()).contains("invalid --ops-bind \"300.1.2.3\"");
  }
}
