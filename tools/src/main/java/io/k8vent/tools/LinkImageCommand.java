package io.k8vent.tools;

import io.k8vent.Version;
import io.k8vent.cli.Env;
import io.k8vent.cli.OptionValues;
import io.k8vent.cli.VersionCommand;
import io.k8vent.config.ConfigException;
import io.k8vent.config.WebhookUrl;
import io.k8vent.delivery.Delivery;
import io.k8vent.delivery.HttpSender;
import io.k8vent.delivery.RetryPolicy;
import io.k8vent.delivery.SendResult;
import io.k8vent.linkimage.LinkImage;
import io.k8vent.payload.Signer;
import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "link-image", mixinStandardHelpOptions = true, sortOptions = false,
    versionProvider = VersionCommand.Lines.class,
    description = {
        "Tells Atomist which commit a container image was built from: POSTs "
            + "{\"git\":{\"owner\",\"repo\",\"sha\"},\"docker\":{\"image\"},\"type\":\"link-image\"} to "
            + LinkImage.ATOMIST_URL + "TEAM (or --url). Run it in CI after pushing the image.",
        "Retries connection errors, timeouts, 408, 429 and 5xx; exits 0 when linked, 1 when the endpoint "
            + "refused or never answered, 2 on bad input.",
        "Every option can also be set by the environment variable shown; the option wins."})
final class LinkImageCommand implements Callable<Integer> {
  private static final Duration FIRST_RETRY = Duration.ofMillis(500);
  private static final Duration LONGEST_RETRY = Duration.ofSeconds(30);

  private final Env env;

  @Spec
  CommandSpec spec;

  LinkImageCommand(Env env) {
    this.env = env;
  }

  @Option(names = "--team", paramLabel = "ID",
      description = "Atomist team (workspace) id, as in the kube webhook URL. Required unless --url is given. "
          + "Default: none. Env: K8VENT_LINK_TEAM.")
  String team;

  @Option(names = "--owner", paramLabel = "OWNER",
      description = "Repository owner (user or organisation). Required. Default: none. "
          + "Env: K8VENT_LINK_OWNER, else GITHUB_REPOSITORY_OWNER, else CI_PROJECT_NAMESPACE.")
  String owner;

  @Option(names = "--repo", paramLabel = "REPO",
      description = "Repository name. Required. Default: none. Env: K8VENT_LINK_REPO, else the name in GITHUB_REPOSITORY, else CI_PROJECT_NAME.")
  String repo;

  @Option(names = "--sha", paramLabel = "SHA",
      description = "Commit the image was built from: 7 to 40 hex digits (the full SHA is best). Required. "
          + "Default: none. "
          + "Env: K8VENT_LINK_SHA, else GITHUB_SHA, else CI_COMMIT_SHA.")
  String sha;

  @Option(names = "--image", paramLabel = "IMAGE",
      description = "Full image reference with tag or digest, e.g. OWNER/IMAGE:VERSION or "
          + "REGISTRY/OWNER/IMAGE:VERSION. Required. Default: none. Env: K8VENT_LINK_IMAGE.")
  String image;

  @Option(names = "--url", paramLabel = "URL",
      description = "POST here instead of Atomist's endpoint for --team. Default: " + LinkImage.ATOMIST_URL + "TEAM. "
          + "Env: K8VENT_LINK_URL.")
  String url;

  @Option(names = "--secret", paramLabel = "SECRET",
      description = "Sign the body like the daemon does (X-Atomist-Signature, X-K8vent-Signature-256). "
          + "Default: none (unsigned). Env: K8VENT_WEBHOOK_SECRET.")
  String secret;

  @Option(names = "--retry-give-up-after", paramLabel = "DURATION",
      description = "Stop retrying after this long. Default: 2m. Env: K8VENT_LINK_GIVE_UP_AFTER.")
  String giveUpAfter;

  @Override
  public Integer call() throws Exception {
    LinkImage link = LinkImage.of(
        given(owner, "--owner", "K8VENT_LINK_OWNER", "GITHUB_REPOSITORY_OWNER", "CI_PROJECT_NAMESPACE"),
        repo(),
        given(sha, "--sha", "K8VENT_LINK_SHA", "GITHUB_SHA", "CI_COMMIT_SHA"),
        given(image, "--image", "K8VENT_LINK_IMAGE"));
    String rawUrl = env.flagOrVariable(url, "K8VENT_LINK_URL");
    URI endpoint = rawUrl != null ? WebhookUrl.parse(rawUrl, env.source(url, "--url", "K8VENT_LINK_URL"))
        : LinkImage.atomistUrl(given(team, "--team", "K8VENT_LINK_TEAM"));
    RetryPolicy retry = new RetryPolicy(FIRST_RETRY, LONGEST_RETRY,
        OptionValues.positiveDuration(env.flagOrVariable(giveUpAfter, "K8VENT_LINK_GIVE_UP_AFTER", "2m"),
            env.source(giveUpAfter, "--retry-give-up-after", "K8VENT_LINK_GIVE_UP_AFTER")));
    String key = env.flagOrVariable(secret, "K8VENT_WEBHOOK_SECRET");
    byte[] body = link.body();
    Delivery delivery = new Delivery("link-image", link.owner() + "/" + link.repo(), "link-image", null, body,
        key == null ? null : new Signer(key).sign(body), UUID.randomUUID().toString(), System.nanoTime());
    try (HttpSender sender = new HttpSender(Duration.ofSeconds(5), Duration.ofSeconds(10), null,
        "k8vent/" + Version.VERSION)) {
      return send(sender, endpoint, delivery, retry, link);
    }
  }

  private int send(HttpSender sender, URI endpoint, Delivery delivery, RetryPolicy retry, LinkImage link)
      throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String where = WebhookUrl.redact(endpoint);
    long start = System.nanoTime();
    for (int attempt = 1; ; attempt++) {
      SendResult result = sender.send(endpoint, delivery).join();
      if (result.succeeded()) {
        out.println("linked " + link.image() + " to " + link.owner() + "/" + link.repo() + "@" + link.sha()
            + ": " + where + " answered " + result.status() + (attempt > 1 ? " on attempt " + attempt : ""));
        return 0;
      }
      if (!result.transientFailure()) {
        err.println("k8vent link-image: " + where + " refused the link: " + result.describe());
        return 1;
      }
      Duration delay = retry.delay(attempt, result.retryAfter());
      if (retry.exhausted(Duration.ofNanos(System.nanoTime() - start).plus(delay))) {
        err.println("k8vent link-image: gave up after " + attempt + " attempt(s) to " + where + "; last: "
            + result.describe());
        return 1;
      }
      err.println("k8vent link-image: attempt " + attempt + " to " + where + " failed (" + result.describe()
          + "); retrying in " + delay.toMillis() + " ms");
      err.flush();
      Thread.sleep(delay.toMillis());
    }
  }

  /** The option's value, else the first of the variables that is set, with where it came from. */
  private LinkImage.Given given(String flag, String option, String... variables) {
    if (flag != null) {
      return new LinkImage.Given(flag, option);
    }
    for (String variable : variables) {
      String value = env.flagOrVariable(null, variable);
      if (value != null) {
        return new LinkImage.Given(value, variable);
      }
    }
    return new LinkImage.Given(null, option);
  }

  /**
   * --repo, else K8VENT_LINK_REPO, else the name in GitHub Actions' GITHUB_REPOSITORY (OWNER/REPO),
   * else GitLab CI's CI_PROJECT_NAME (the name alone).
   */
  private LinkImage.Given repo() {
    LinkImage.Given given = given(repo, "--repo", "K8VENT_LINK_REPO");
    if (given.value() != null) {
      return given;
    }
    String github = env.flagOrVariable(null, "GITHUB_REPOSITORY");
    if (github == null) {
      return given(null, "--repo", "CI_PROJECT_NAME");
    }
    int slash = github.indexOf('/');
    if (slash <= 0 || slash == github.length() - 1) {
      throw new ConfigException("invalid GITHUB_REPOSITORY \"" + github + "\"; it must be OWNER/REPO (as GitHub "
          + "Actions sets it), or give the name with --repo");
    }
    return new LinkImage.Given(github.substring(slash + 1), "GITHUB_REPOSITORY");
  }
}
