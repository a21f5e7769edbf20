package io.k8vent.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.k8vent.testing.Hmac;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeliveryIdTest {
  private static final String UID = "20e5b9a3-2b5f-4944-8cb8-3308d1f70c70";

  @Test
  void theSameStateAlwaysGetsTheSameId() {
    assertThat(DeliveryId.of(UID, "181", "MODIFIED")).isEqualTo(DeliveryId.of(UID, "181", "MODIFIED"))
        .isEqualTo(Hmac.deliveryId(UID, "181", "MODIFIED")).matches("[0-9a-f]{32}");
  }

  @Test
  void anotherPodVersionOrEventGetsAnotherId() {
    Set<String> ids = Set.of(DeliveryId.of(UID, "181", "MODIFIED"), DeliveryId.of(UID, "181", "DELETED"),
        DeliveryId.of(UID, "182", "MODIFIED"), DeliveryId.of("another-uid", "181", "MODIFIED"),
        DeliveryId.of(UID, "18", "1/MODIFIED"));
    assertThat(ids).hasSize(5);
  }
}
