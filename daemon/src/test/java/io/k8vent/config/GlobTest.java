package io.k8vent.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GlobTest {
  @Test
  void eachStarStandsForTheWildcardAndEverythingElseForItselfOverTheWholeText() {
    Pattern glob = Glob.compile("*.a+b*", "[0-9]+", 0);

    assertThat(glob.matcher("1.a+b22").matches()).isTrue();
    assertThat(glob.matcher(".a+b").matches()).as("the wildcard here needs a digit").isFalse();
    assertThat(glob.matcher("1xa+b2").matches()).as("a dot is a dot").isFalse();
    assertThat(glob.matcher("1.aab2").matches()).as("a plus is a plus").isFalse();
    assertThat(glob.matcher("1.a+b2x").matches()).as("the whole text").isFalse();
    assertThat(Glob.compile("Ab*", ".*", Pattern.CASE_INSENSITIVE).matcher("aBc").matches()).isTrue();
  }
}
