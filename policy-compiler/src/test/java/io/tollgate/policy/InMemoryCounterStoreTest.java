package io.tollgate.policy;

class InMemoryCounterStoreTest extends CounterStoreContractTest {
  @Override
  protected CounterStore newStore() {
    return new InMemoryCounterStore();
  }
}
