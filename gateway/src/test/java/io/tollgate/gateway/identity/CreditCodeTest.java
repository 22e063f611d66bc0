package io.tollgate.gateway.identity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CreditCodeTest {
  @Test
  void validCodesPass() {
    for (String c :
        new String[] {"91350100M000100Y43", "91310115MA1K3YJ2X5", "91440300MA5F0QWH8X"}) {
      assertThat(CreditCode.problem(c)).as(c).isNull();
    }
  }

  @Test
  void everyKindOfBadCodeIsNamed() {
    assertThat(CreditCode.problem("91350100M000100Y44"))
        .isEqualTo(
            "expected check character '3' for unified social credit code 91350100M000100Y4, found '4'");
    assertThat(CreditCode.problem("91350100M000100Y4")).contains("18 characters, found 17");
    assertThat(CreditCode.problem("91350100M00010OY43")).contains("found 'O' at character 15");
    assertThat(CreditCode.problem("913501A0M000100Y43")).contains("administrative division");
    assertThat(CreditCode.problem(null)).contains("found none");
  }

  @Test
  void anyOneCharacterChangedIsCaught() {
    String good = "91310115MA1K3YJ2X5";
    String chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    for (int i = 0; i < 18; i++) {
      for (char c : chars.toCharArray()) {
        if (c == good.charAt(i)) {
          continue;
        }
        String bad = good.substring(0, i) + c + good.substring(i + 1);
        assertThat(CreditCode.valid(bad)).as(bad).isFalse();
      }
    }
  }
}
