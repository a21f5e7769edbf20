package io.k8vent.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.testing.Hmac;
import io.k8vent.testing.WebhookReceiver.Request;
import io.k8vent.testing.WebhookReceiver.Response;
import io.k8vent.testing.WebhookReceiver;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code k8vent link-image} against a real HTTP receiver on loopback. */
class LinkImageCommandTest {
  private static final String SHA = "0123456789abcdef0123456789abcdef01234567";

  private final WebhookReceiver receiver = new WebhookReceiver();

  record Run(int code, String out, String err) {}

  @AfterEach
  void stop() {
    receiver.close();
  }

  private static Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("link-image"));
    all.addAll(List.of(args));
    int code = Main.run(all.toArray(String[]::new), env, new PrintWriter(out, true), new PrintWriter(err, true));
    return new Run(code, out.toString(), err.toString());
  }

  private String url() {
    return receiver.url("/atomist/link-image/teams/T123").toString();
  }

  @Test
  void postsExactlyTheSeedJsonSigned() {
    Run r = run(Map.of("K8VENT_WEBHOOK_SECRET", "ci-secret"), "--url", url(), "--owner", "atomist", "--repo", "k8vent",
        "--sha", SHA, "--image", "registry.example.com:5000/atomist/k8vent:0.1.0");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("linked registry.example.com:5000/atomist/k8vent:0.1.0 to atomist/k8vent@" + SHA);
    assertThat(receiver.requests()).hasSize(1);
    Request request = receiver.requests().get(0);
    assertThat(request.path()).isEqualTo("/atomist/link-image/teams/T123");
    assertThat(new String(request.body(), StandardCharsets.UTF_8)).isEqualTo(
        "{\"git\":{\"owner\":\"atomist\",\"repo\":\"k8vent\",\"sha\":\"" + SHA + "\"},"
            + "\"docker\":{\"image\":\"registry.example.com:5000/atomist/k8vent:0.1.0\"},\"type\":\"link-image\"}");
    assertThat(request.header("Content-Type")).isEqualTo("application/json");
    assertThat(request.header("X-Atomist-Signature")).isEqualTo(Hmac.sha1("ci-secret", request.body()));
    assertThat(request.header("X-K8vent-Signature-256")).isEqualTo(Hmac.sha256("ci-secret", request.body()));
    assertThat(r.out() + r.err()).doesNotContain("ci-secret");
  }

  @Test
  void takesEveryValueFromTheEnvironmentCiSystemsSet() {
    Map<String, String> github = Map.of("K8VENT_LINK_URL", url(), "GITHUB_REPOSITORY_OWNER", "acme",
        "GITHUB_REPOSITORY", "acme/shop", "GITHUB_SHA", SHA, "K8VENT_LINK_IMAGE", "acme/shop@sha256:" + "a".repeat(64));

    Run r = run(github);

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(receiver.requests().get(0).json().toString()).isEqualTo(
        "{\"git\":{\"owner\":\"acme\",\"repo\":\"shop\",\"sha\":\"" + SHA + "\"},"
            + "\"docker\":{\"image\":\"acme/shop@sha256:" + "a".repeat(64) + "\"},\"type\":\"link-image\"}");
    assertThat(receiver.requests().get(0).header("X-Atomist-Signature")).isNull();
  }

  @Test
  void flagsWinOverTheEnvironment() {
    Map<String, String> env = Map.of("K8VENT_LINK_URL", "http://127.0.0.1:1/never", "K8VENT_LINK_OWNER", "env-owner",
        "K8VENT_LINK_REPO", "r", "K8VENT_LINK_SHA", "abcdef0", "K8VENT_LINK_IMAGE", "o/i:1");

    Run r = run(env, "--url", url(), "--owner", "flag-owner");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(receiver.requests().get(0).json().at("/git/owner").asText()).isEqualTo("flag-owner");
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(delimiter = '|', value = {
      "--sha      | xyz1234                     | --sha",
      "--sha      | abc12                       | --sha",
      "--sha      | " + SHA + "0                | --sha",
      "--image    | Acme/Shop:1                 | --image",
      "--image    | acme/shop                   | --image",
      "--image    | acme/shop:bad tag           | --image",
      "--image    | acme//shop:1                | --image",
      "--owner    | ''                          | --owner",
      "--repo     | 'a b'                       | --repo",
      "--url      | ftp://example.com/x         | --url",
  })
  void badInputExitsTwoNamingTheValue(String option, String value, String named) {
    Map<String, String> good = new HashMap<>(Map.of("--url", url(), "--owner", "o", "--repo", "r", "--sha", SHA,
        "--image", "o/i:1"));
    good.put(option, value);
    List<String> args = new ArrayList<>();
    good.forEach((k, v) -> {
      args.add(k);
      args.add(v);
    });

    Run r = run(Map.of(), args.toArray(String[]::new));

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains(named).doesNotContain("\tat ");
    if (!value.isEmpty()) {
      assertThat(r.err()).contains(value);
    }
    assertThat(receiver.requests()).isEmpty();
  }

  @Test
  void withoutUrlOrTeamItSaysWhichIsMissing() {
    Run r = run(Map.of(), "--owner", "o", "--repo", "r", "--sha", SHA, "--image", "o/i:1");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("missing --team");
  }

  @Test
  void aBadTeamIdIsRefusedBeforeAnythingIsSent() {
    Run r = run(Map.of(), "--team", "T1/../x", "--owner", "o", "--repo", "r", "--sha", SHA, "--image", "o/i:1");

    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--team").contains("T1/../x");
  }

  @Test
  void retriesTransientFailuresWithTheSameDeliveryId() {
    receiver.respond(n -> n == 1 ? Response.status(503) : Response.status(200));

    Run r = run(Map.of(), "--url", url(), "--owner", "o", "--repo", "r", "--sha", SHA, "--image", "o/i:1");

    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.err()).contains("attempt 1").contains("503").contains("retrying");
    assertThat(r.out()).contains("on attempt 2");
    assertThat(receiver.requests()).hasSize(2);
    assertThat(receiver.requests()).extracting(q -> q.header("X-K8vent-Delivery")).doesNotContainNull()
        .containsOnly(receiver.requests().get(0).header("X-K8vent-Delivery"));
    assertThat(receiver.requests().get(1).body()).isEqualTo(receiver.requests().get(0).body());
  }

  @Test
  void aPermanentRefusalExitsOneWithStatusAndBodyExcerpt() {
    receiver.respond(n -> new Response(404, Map.of(), "{\"message\":\"no such team\"}"));

    Run r = run(Map.of(), "--url", url(), "--owner", "o", "--repo", "r", "--sha", SHA, "--image", "o/i:1");

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("HTTP 404").contains("no such team");
    assertThat(receiver.requests()).hasSize(1);
  }

  @Test
  void givesUpWhenTheEndpointKeepsFailing() {
    receiver.respond(n -> Response.status(502));

    Run r = run(Map.of(), "--url", url(), "--owner", "o", "--repo", "r", "--sha", SHA, "--image", "o/i:1",
        "--retry-give-up-after", "1s");

    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("gave up after").contains("HTTP 502");
    assertThat(receiver.requests().size()).isGreaterThanOrEqualTo(2);
  }
}
