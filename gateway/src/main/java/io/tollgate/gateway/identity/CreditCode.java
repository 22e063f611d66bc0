package io.tollgate.gateway.identity;

/**
 * The unified social credit code of a Chinese enterprise or organisation (统一社会信用代码, GB 32100-2015):
 * 18 characters from {@code 0-9} and the capital letters but I, O, Z, S and V; a registration
 * authority code, an organisation category code, a six-digit administrative division, the
 * nine-character organisation code, and a check character computed over the first seventeen
 * (weights 3^i mod 31).
 */
public final class CreditCode {
  private static final String CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
  private static final int[] WEIGHTS = {
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
  };

  private CreditCode() {}

  /** Null when {@code code} is a valid code, else what is wrong with it. */
  public static String problem(String code) {
    if (code == null || code.length() != 18) {
      return "expected a unified social credit code of 18 characters, found "
          + (code == null ? "none" : code.length());
    }
    int sum = 0;
    for (int i = 0; i < 18; i++) {
      int v = CHARS.indexOf(code.charAt(i));
      if (v < 0) {
        return "expected a unified social credit code of 0-9 and A-Y but I, O, S, V and Z, found '"
            + code.charAt(i)
            + "' at character "
            + (i + 1);
      }
      if (i >= 2 && i < 8 && v > 9) {
        return "expected a six-digit administrative division code at characters 3 to 8, found '"
            + code.charAt(i)
            + "'";
      }
      if (i < 17) {
        sum += v * WEIGHTS[i];
      }
    }
    char check = CHARS.charAt((31 - sum % 31) % 31);
    if (code.charAt(17) != check) {
      return "expected check character '"
          + check
          + "' for unified social credit code "
          + code.substring(0, 17)
          + ", found '"
          + code.charAt(17)
          + "'";
    }
    return null;
  }

  public static boolean valid(String code) {
    return problem(code) == null;
  }
}
