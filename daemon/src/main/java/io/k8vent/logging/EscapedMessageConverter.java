package io.k8vent.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %safeMsg}: the formatted message with control characters escaped, so text that came from a
 * webhook or a pod (a response excerpt, a pod name) cannot start a fake log line with CR or LF,
 * recolour or clear a terminal with ANSI escapes, or reorder a line with bidirectional overrides.
 * CR, LF and tab become {@code \r}, {@code \n}, {@code \t}; other such characters {@code \}{@code uXXXX}.
 */
public final class EscapedMessageConverter extends ClassicConverter {
  @Override
  public String convert(ILoggingEvent event) {
    return escape(event.getFormattedMessage());
  }

  static String escape(String message) {
    if (message == null) {
      return null;
    }
    int i = 0;
    while (i < message.length() && !unsafe(message.charAt(i))) {
      i++;
    }
    if (i == message.length()) {
      return message;
    }
    StringBuilder sb = new StringBuilder(message.length() + 16).append(message, 0, i);
    for (; i < message.length(); i++) {
      char c = message.charAt(i);
      switch (c) {
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (unsafe(c)) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.toString();
  }

  /** C0 and C1 controls, DEL, line and paragraph separators, and bidirectional formatting characters. */
  private static boolean unsafe(char c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029'
        || (c >= '\u200e' && c <= '\u200f') || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069');
  }
}
