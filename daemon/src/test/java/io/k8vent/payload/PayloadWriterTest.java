package io.k8vent.payload;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.k8vent.watch.PodSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The body is {@code {"pod":<the pod as Jackson writes the generic resource>,"env":…}}, byte for
 * byte: the pod part is compared with Jackson's own serialisation of the same resource, for pods
 * read the way the informer reads them (captured from a real API server, and edge cases).
 */
class PayloadWriterTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final PayloadWriter writer = new PayloadWriter(new ObjectMapper(), Map.of("HOME", "/root"));

  /** Pods as the informer gets them: through fabric8's serialization, as a generic list. */
  private static List<GenericKubernetesResource> read(String json) {
    return PodSource.serialization(true).unmarshal(json, GenericKubernetesResourceList.class).getItems();
  }

  private static String expected(GenericKubernetesResource pod) throws IOException {
    return "{\"pod\":" + MAPPER.writeValueAsString(pod) + ",\"env\":{\"HOME\":\"/root\"}}";
  }

  private void assertSameAsJackson(GenericKubernetesResource pod) throws IOException {
    String before = MAPPER.writeValueAsString(pod);
    String written = new String(writer.write(pod, null, PayloadWriter.EnvScope.FULL, false), StandardCharsets.UTF_8);
    assertThat(MAPPER.writeValueAsString(pod)).as("the pod is not changed").isEqualTo(before);
    pod.setApiVersion("v1");
    pod.setKind("Pod");
    assertThat(written).isEqualTo(expected(pod));
  }

  @Test
  void podsCapturedFromARealApiServerAreWrittenAsJacksonWritesThem() throws IOException {
    for (String file : List.of("captured-kube-1.32.4.json", "web-realistic.json")) {
      String text = Files.readString(Path.of("src/test/resources/pods", file));
      List<GenericKubernetesResource> pods = read("{\"items\":[" + text + "]}");
      assertThat(pods).as(file).isNotEmpty();
      for (GenericKubernetesResource pod : pods) {
        assertSameAsJackson(pod);
      }
    }
  }

  @Test
  void nullsNumbersEscapesAndEmptyContainersSurvive() throws IOException {
    String json = """
        {"items":[{"metadata":{"name":"p","namespace":"ns","uid":"u","resourceVersion":"1",
         "labels":{"a":"b"},"annotations":{"note":"line\\nbreak \\"quoted\\" \\u00e9 \\u2603"}},
         "spec":{"containers":[{"name":"c","ports":[{"containerPort":8080}],"resources":{}}],
          "priority":0,"terminationGracePeriodSeconds":30,"activeDeadlineSeconds":9223372036854775807,
          "overhead":{"cpu":1.5},"big":123456789012345678901234567890,"tolerations":[],"nodeName":null},
         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null}],
          "ready":true,"started":false,"extra":[[1,2],[],{"x":null}]}}]}
        """;
    GenericKubernetesResource pod = read(json).get(0);
    pod.setApiVersion("v1");
    pod.setKind("Pod");

    assertSameAsJackson(pod);
    assertThat(new String(writer.write(pod, null, PayloadWriter.EnvScope.FULL, false), StandardCharsets.UTF_8))
        .contains("\"lastProbeTime\":null").contains("\"nodeName\":null")
        .contains("\"activeDeadlineSeconds\":9223372036854775807").contains("\"big\":123456789012345678901234567890");
  }

  @Test
  void aDeletedPodIsWrittenWithPhaseDeletedWhereItsPhaseStandsAndLeftUnchanged() throws IOException {
    GenericKubernetesResource pod = read("{\"items\":[{\"metadata\":{\"name\":\"p\"},\"status\":{\"phase\":"
        + "\"Running\",\"list\":[\"x\",2,3.25,true]},\"topLevelNull\":null}]}").get(0);
    String before = MAPPER.writeValueAsString(pod);

    String written = new String(writer.write(pod, "staging", PayloadWriter.EnvScope.FULL, true), StandardCharsets.UTF_8);

    assertThat(MAPPER.writeValueAsString(pod)).as("the pod is not changed").isEqualTo(before);
    pod.setApiVersion("v1");
    pod.setKind("Pod");
    ObjectNode expected = MAPPER.valueToTree(pod);
    ((ObjectNode) expected.get("status")).put("phase", "Deleted");
    assertThat(written).isEqualTo("{\"pod\":" + MAPPER.writeValueAsString(expected)
        + ",\"env\":{\"ATOMIST_ENVIRONMENT\":\"staging\",\"HOME\":\"/root\"}}");
  }

  @Test
  void aDeletedPodWithoutStatusGetsOneWithThePhase() {
    GenericKubernetesResource pod = read("{\"items\":[{\"metadata\":{\"name\":\"p\"},\"spec\":{}}]}").get(0);

    String written = new String(writer.write(pod, null, PayloadWriter.EnvScope.FULL, true), StandardCharsets.UTF_8);

    assertThat(written).isEqualTo("{\"pod\":{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},"
        + "\"spec\":{},\"status\":{\"phase\":\"Deleted\"}},\"env\":{\"HOME\":\"/root\"}}");
  }
}
