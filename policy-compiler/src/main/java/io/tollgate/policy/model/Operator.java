package io.tollgate.policy.model;

/** ODRL 2.2 constraint operators. */
public enum Operator {
  EQ("eq"),
  NEQ("neq"),
  LT("lt"),
  LTEQ("lteq"),
  GT("gt"),
  GTEQ("gteq"),
  IS_A("isA"),
  HAS_PART("hasPart"),
  IS_PART_OF("isPartOf"),
  IS_ALL_OF("isAllOf"),
  IS_ANY_OF("isAnyOf"),
  IS_NONE_OF("isNoneOf");

  private final String term;

  Operator(String term) {
    this.term = term;
  }

  public String term() {
    return term;
  }
}
