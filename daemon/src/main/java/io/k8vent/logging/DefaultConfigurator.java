package io.k8vent.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Logback's configuration until the command line is read (text, INFO, stderr), set in code rather
 * than by a logback.xml: reading XML loads an XML parser and logback's configuration model, some
 * 300 classes, which costs start-up time and memory (BENCHMARKS.md). Found by logback through
 * META-INF/services; {@link LogSetup} then applies --log-format and --log-level.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class DefaultConfigurator extends ContextAwareBase implements Configurator {
  @Override
  public ExecutionStatus configure(LoggerContext context) {
    LogSetup.apply(context, "text", "--log-format", "info", "--log-level");
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
