package io.k8vent.cli;

import io.k8vent.payload.WireFormat;
import picocli.CommandLine.Option;

/** --format and --cloudevents-mode, which k8vent and k8vent demo both take. */
public final class FormatOptions {
  @Option(names = "--format", paramLabel = "k8vent|cloudevents",
      description = "Body format: k8vent's {\"pod\",\"env\"} JSON, or a CloudEvent 1.0 (HTTP binding) whose data is "
          + "that JSON. Default: k8vent. Env: K8VENT_FORMAT.")
  String format;

  @Option(names = "--cloudevents-mode", paramLabel = "binary|structured",
      description = "With --format cloudevents: binary (ce-* headers, the JSON as body) or structured (one "
          + "application/cloudevents+json object). Default: binary. Env: K8VENT_CLOUDEVENTS_MODE.")
  String mode;

  public WireFormat.Kind kind(Env env) {
    String chosen = OptionValues.choice(env.flagOrVariable(format, "K8VENT_FORMAT", "k8vent"),
        env.source(format, "--format", "K8VENT_FORMAT"), "k8vent", "cloudevents");
    String binding = OptionValues.choice(env.flagOrVariable(mode, "K8VENT_CLOUDEVENTS_MODE", "binary"),
        env.source(mode, "--cloudevents-mode", "K8VENT_CLOUDEVENTS_MODE"), "binary", "structured");
    if (chosen.equals("k8vent")) {
      return WireFormat.Kind.K8VENT;
    }
    return binding.equals("binary") ? WireFormat.Kind.CLOUDEVENTS_BINARY : WireFormat.Kind.CLOUDEVENTS_STRUCTURED;
  }
}
