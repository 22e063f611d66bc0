package io.tollgate.policy;

import io.tollgate.policy.spi.CounterStore;
import io.tollgate.policy.spi.CounterStoreContractTest;

class InMemoryCounterStoreTest extends CounterStoreContractTest {
  @Override
  protected CounterStore newStore() {
    return new InMemoryCounterStore();
  }
}
