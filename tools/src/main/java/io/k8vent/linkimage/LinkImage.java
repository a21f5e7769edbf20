package io.k8vent.linkimage;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.k8vent.config.ConfigException;
import java.net.URI;
import java.util.regex.Pattern;

/**
 * The seed's link-image message: which commit a container image was built from. Made with
 * {@link #of}, which checks every field before anything is sent, so a CI typo fails the step
 * instead of linking the wrong image.
 */
public record LinkImage(String owner, String repo, String sha, String image) {
  /** Atomist's endpoint; TEAM is the workspace id also found in the kube webhook URL. */
  public static final String ATOMIST_URL = "https://webhook.atomist.com/atomist/link-image/teams/";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern SHA = Pattern.compile("[0-9a-fA-F]{7,40}");
  private static final Pattern TEAM = Pattern.compile("[A-Za-z0-9_-]+");

  // An image reference as registries read it: [registry[:port]/]path[:tag][@algorithm:hex].
  private static final String REGISTRY_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final String REGISTRY = REGISTRY_PART + "(?:\\." + REGISTRY_PART + ")*(?::[0-9]+)?";
  private static final String PATH_PART = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
  private static final String NAME = "(?:" + REGISTRY + "/)?" + PATH_PART + "(?:/" + PATH_PART + ")*";
  private static final String TAG = "[\\w][\\w.-]{0,127}";
  private static final String DIGEST = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}";
  private static final Pattern IMAGE = Pattern.compile(
      "(" + NAME + ")(?::(" + TAG + "))?(?:@(" + DIGEST + "))?");

  /** A value as given and where it came from (an option or an environment variable), for messages. */
  public record Given(String value, String source) {}

  /** Validates every field; the exception names the first bad one, where it came from and what is expected. */
  public static LinkImage of(Given owner, Given repo, Given sha, Given image) {
    LinkImage link = new LinkImage(required(owner), required(repo), required(sha), required(image));
    if (!SHA.matcher(link.sha()).matches()) {
      throw new ConfigException("invalid " + sha.source() + " \"" + link.sha()
          + "\"; give the commit id: 7 to 40 hexadecimal digits");
    }
    var m = IMAGE.matcher(link.image());
    if (!m.matches() || m.group(1).length() > 255) {
      throw new ConfigException("invalid " + image.source() + " \"" + link.image() + "\"; give a full image reference "
          + "such as OWNER/IMAGE:VERSION or REGISTRY/OWNER/IMAGE:VERSION (lower-case name)");
    }
    if (m.group(2) == null && m.group(3) == null) {
      throw new ConfigException("invalid " + image.source() + " \"" + link.image() + "\"; it needs a tag or digest "
          + "(e.g. " + link.image() + ":1.2.3), since an untagged name does not say which image the commit built");
    }
    return link;
  }

  private static String required(Given given) {
    String value = given.value();
    if (value == null || value.isBlank()) {
      throw new ConfigException("missing " + given.source() + " (see k8vent link-image --help)");
    }
    String v = value.strip();
    if (v.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
      throw new ConfigException("invalid " + given.source() + " \"" + value + "\"; it must not contain spaces");
    }
    return v;
  }

  /** Atomist's link-image URL for a team (workspace) id. */
  public static URI atomistUrl(Given team) {
    String id = team.value();
    if (id == null || id.isBlank()) {
      throw new ConfigException("missing --team (or give the endpoint with --url)");
    }
    if (!TEAM.matcher(id.strip()).matches()) {
      throw new ConfigException("invalid " + team.source() + " \"" + id + "\"; a team id has only letters, digits, "
          + "- and _");
    }
    return URI.create(ATOMIST_URL + id.strip());
  }

  /** The JSON the seed documents, fields in its order. */
  public byte[] body() {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode git = root.putObject("git");
    git.put("owner", owner);
    git.put("repo", repo);
    git.put("sha", sha);
    root.putObject("docker").put("image", image);
    root.put("type", "link-image");
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
