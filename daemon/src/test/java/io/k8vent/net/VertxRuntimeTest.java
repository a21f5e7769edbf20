package io.k8vent.net;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

class VertxRuntimeTest {
  @Test
  void nettyPoolsBuffersInOneArenaOfEachKindInChunksOf256KiB() {
    Vertx vertx = VertxRuntime.create();
    vertx.close();

    assertThat(System.getProperty(VertxRuntime.DIRECT_ARENAS)).isEqualTo("1");
    assertThat(System.getProperty(VertxRuntime.HEAP_ARENAS)).isEqualTo("1");
    assertThat(8192 << Integer.parseInt(System.getProperty(VertxRuntime.MAX_ORDER))).isEqualTo(256 * 1024);
  }

  @Test
  void anExplicitArenaSettingWins() {
    String before = System.getProperty(VertxRuntime.DIRECT_ARENAS);
    System.setProperty(VertxRuntime.DIRECT_ARENAS, "3");
    try {
      VertxRuntime.create().close();

      assertThat(System.getProperty(VertxRuntime.DIRECT_ARENAS)).isEqualTo("3");
    } finally {
      if (before == null) {
        System.clearProperty(VertxRuntime.DIRECT_ARENAS);
      } else {
        System.setProperty(VertxRuntime.DIRECT_ARENAS, before);
      }
    }
  }
}
