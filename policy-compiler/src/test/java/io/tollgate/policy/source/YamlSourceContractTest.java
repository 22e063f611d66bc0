package io.tollgate.policy.source;

/** The contract of every source, for the YAML form. */
class YamlSourceContractTest extends PolicySourceContract {
  @Override
  protected PolicySource source() {
    return new YamlContractSource();
  }

  @Override
  protected String file() {
    return "ref.yaml";
  }

  @Override
  protected String reference() {
    return REFERENCE_YAML;
  }

  @Override
  protected String broken() {
    return "contract: ref-1\nprovider: prov\nconsumer: [cons\ndataset: data\n";
  }

  @Override
  protected int brokenLine() {
    return 4;
  }

  @Override
  protected String wrongValue() {
    return REFERENCE_YAML.replace("rate: 10/s", "rate: lots");
  }
}
