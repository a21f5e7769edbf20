package io.k8vent.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** An IPv4 or IPv6 address range written {@code ADDRESS/BITS}; IPv4-mapped IPv6 addresses match as IPv4. */
public final class Cidr {
  private static final Pattern LITERAL = Pattern.compile("[0-9a-fA-F.:]+");

  private final String text;
  private final byte[] network;
  private final int bits;

  private Cidr(String text, byte[] network, int bits) {
    this.text = text;
    this.network = network;
    this.bits = bits;
  }

  /** Parses {@code text}; a bad one is a {@link ConfigException} naming {@code option}. */
  public static Cidr parse(String text, String option) {
    String v = text == null ? "" : text.trim();
    int slash = v.indexOf('/');
    String address = slash < 0 ? v : v.substring(0, slash);
    try {
      if (!LITERAL.matcher(address).matches()) {
        throw new IllegalArgumentException("not an IP address");
      }
      byte[] bytes = normalize(InetAddress.getByName(address)).getAddress();
      int max = bytes.length * 8;
      int bits = slash < 0 ? max : Integer.parseInt(v.substring(slash + 1));
      if (bits < 0 || bits > max) {
        throw new IllegalArgumentException("prefix length must be 0 to " + max);
      }
      return new Cidr(v, bytes, bits);
    } catch (UnknownHostException | IllegalArgumentException e) {
      throw new ConfigException("invalid " + option + " \"" + v + "\": " + e.getMessage()
          + "; write an address range such as 10.0.0.0/8 or fd00::/8");
    }
  }

  public boolean contains(InetAddress address) {
    byte[] a = normalize(address).getAddress();
    if (a.length != network.length) {
      return false;
    }
    int full = bits / 8;
    for (int i = 0; i < full; i++) {
      if (a[i] != network[i]) {
        return false;
      }
    }
    int rest = bits % 8;
    if (rest == 0) {
      return true;
    }
    int mask = 0xff << (8 - rest) & 0xff;
    return (a[full] & mask) == (network[full] & mask);
  }

  /** {@code ::ffff:a.b.c.d} as the IPv4 address it carries; other addresses unchanged. */
  public static InetAddress normalize(InetAddress address) {
    byte[] b = address.getAddress();
    if (b.length == 16) {
      boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
      for (int i = 0; i < 10 && mapped; i++) {
        mapped = b[i] == 0;
      }
      if (mapped) {
        try {
          return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (UnknownHostException impossible) {
          throw new IllegalStateException(impossible);
        }
      }
    }
    return address;
  }

  @Override
  public String toString() {
    return text;
  }
}
